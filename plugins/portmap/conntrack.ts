/**
 * After ADD, the UDP conntrack entries of the mapped host ports go: a client that sent to the port
 * before the mapping existed (or while it led to another container) has a flow that keeps its old
 * translation, and its datagrams would never reach the new container. TCP needs nothing: a new
 * connection is a new flow. As in the reference, a failure is logged, not fatal: the mapping works
 * for every new flow.
 */
import type { Logger } from '../../lib/log';
import { AF_INET, AF_INET6, IPPROTO_UDP, conntrackDeleteByDstPorts, openConntrack } from '../../lib/netlink';
import type { PortMapping } from '../../lib/firewall';
import type { Family } from '../../lib/ip';

export async function flushUdpConntrack(family: Family, mappings: readonly PortMapping[], log?: Logger): Promise<void> {
  const ports = [...new Set(mappings.filter((m) => m.protocol === 'udp').map((m) => m.hostPort))];
  if (ports.length === 0) return;
  let h: ReturnType<typeof openConntrack> | undefined;
  try {
    h = openConntrack();
    await conntrackDeleteByDstPorts(h, family === 4 ? AF_INET : AF_INET6, IPPROTO_UDP, ports);
  } catch (err) {
    log?.warn({ err }, `failed to delete stale UDP conntrack entries (IPv${family})`);
  } finally {
    h?.close();
  }
}
