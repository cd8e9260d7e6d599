/**
 * One portmap backend's operations, chosen per call. Without a configured backend, iptables is tried
 * first and nftables used only when iptables cannot work here and nft can (the reference's default),
 * so the usual call spends no process on probing.
 */
import {
  FirewallError, checkIptablesHostports, checkNftHostports, iptablesUsable, nftUsable, setupIptablesHostports, setupNftHostports,
  teardownIptablesHostports, teardownNftHostports, type HostportRequest,
} from '../../lib/firewall';
import { BestEffort } from '../../lib/util';
import type { PortmapBackend } from './config';

/** Installs `req` with `backend`, or detects one; returns the backend that took it. */
export function setupHostports(backend: PortmapBackend | undefined, req: HostportRequest): PortmapBackend {
  if (backend === 'nftables') {
    setupNftHostports(req);
    return 'nftables';
  }
  try {
    setupIptablesHostports(req);
    return 'iptables';
  } catch (err) {
    if (backend === undefined && err instanceof FirewallError && !iptablesUsable() && nftUsable()) {
      setupNftHostports(req);
      return 'nftables';
    }
    throw err;
  }
}

/**
 * Removes a container's rules: with a configured backend there, otherwise in both (a host can have
 * both, and which one ADD took depended on the host at that time). Neither present is nothing to do.
 */
export function teardownHostports(backend: PortmapBackend | undefined, network: string, containerId: string): void {
  const steps = new BestEffort();
  if (backend !== 'nftables') steps.attemptSync(() => teardownIptablesHostports(network, containerId));
  if (backend !== 'iptables') steps.attemptSync(() => teardownNftHostports(containerId));
  steps.throwIfFailed((errors) => new AggregateError(errors, (errors[0] as Error).message));
}

/** What is missing of `req`'s rules in the backend that ADD would have used. */
export function checkHostports(backend: PortmapBackend | undefined, req: HostportRequest): string[] {
  if (backend === 'nftables' || (backend === undefined && !iptablesUsable() && nftUsable())) return checkNftHostports(req);
  return checkIptablesHostports(req);
}
