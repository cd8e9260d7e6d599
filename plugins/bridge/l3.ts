/** ADD's layer-3 part: the container's addresses and routes, the bridge gateway, forwarding, masquerade. */
import type { ParsedResult } from '../../lib/cni';
import { phase, type UndoStack } from '../../lib/util';
import type { Link } from '../../lib/netlink';
import { configureIface, enableIpForward, ensureGateway, writeSysctls, type Sandbox } from '../../lib/iface';
import { failPoint } from './add-steps';
import type { Attachment, L2Links } from './attach';
import type { BridgeConfig } from './config';
import { firewall } from './firewall';
import { calcGateways } from './gateways';
import { ensureVlanGateway } from './vlan-gateway';

/**
 * Applies an IPAM result: completes it (calcGateways), configures the container interface (DAD off
 * unless enabledad, arp_notify on), puts the gateways on the bridge (or on `<bridge>.<vlan>`) with
 * forwarding on, and installs the masquerade rules in one batch. Returns the result's ips, routes and
 * dns, and any interface added for a VLAN gateway.
 */
export async function configureL3(
  sb: Sandbox, conf: BridgeConfig, att: Attachment, links: L2Links, ipam: ParsedResult, base: ParsedResult, undo: UndoStack,
): Promise<ParsedResult> {
  const { result: completed, gateways } = calcGateways(ipam, conf);
  const result: ParsedResult = { ...base, ips: completed.ips };
  if (completed.routes) result.routes = completed.routes;
  if (completed.dns) result.dns = completed.dns;

  const dad = conf.enabledad
    ? [{ key: `net/ipv6/conf/${att.ifName}/enhanced_dad`, value: '1' }, { key: `net/ipv6/conf/${att.ifName}/accept_dad`, value: '1' }]
    : [{ key: `net/ipv6/conf/${att.ifName}/accept_dad`, value: '0' }];
  // Optional, as in the reference: the IPv6 keys are missing where the container has no IPv6.
  phase('sysctl', () => writeSysctls(sb.ns, [...dad, { key: `net/ipv4/conf/${att.ifName}/arp_notify`, value: '1' }].map((w) => ({ ...w, optional: true }))));
  await phase('netlink', () => configureIface(sb.ctr, att.ifName, result, { ns: sb.ns, index: links.container.index, enableDad: conf.enabledad }));
  failPoint(sb.env, 'container-iface');

  if (conf.isGateway && gateways.length > 0) {
    let target: Link = links.bridge;
    if (conf.vlan !== 0) {
      target = await ensureVlanGateway(sb.host, links.bridge, conf);
      result.interfaces = [...(result.interfaces ?? []), { name: target.name, mac: target.hardwareAddr ?? '' }];
    }
    for (const gw of [...gateways.filter((g) => g.family === 4), ...gateways.filter((g) => g.family === 6)]) {
      await phase('netlink', () => ensureGateway(sb.host, target, gw.cidr, { forceAddress: conf.forceAddress }));
    }
    phase('sysctl', () => enableIpForward(gateways.map((g) => g.family)));
  }
  failPoint(sb.env, 'gateway');

  if (conf.ipMasq) {
    const masq = { network: conf.network, containerId: att.containerID, ifname: att.ifName };
    const ips = (result.ips ?? []).map((i) => i.address);
    // Pushed first: the IPv4 batch may apply and the IPv6 one fail. The addresses keep the undo to
    // this attachment's rules in a family where it wrote none.
    undo.push('ipmasq', () => firewall().teardownIpMasq(masq, { ips }));
    phase('firewall', () => firewall().setupIpMasq({ ...masq, ips, backend: conf.ipMasqBackend }));
  }
  failPoint(sb.env, 'ipmasq');
  return result;
}
