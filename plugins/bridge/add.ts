/** ADD: bridge, veth pair, addresses, gateway and masquerade, undone as a whole when any step fails. */
import { CniError, CURRENT_VERSION, formatResultAddresses, type CmdArgs, type ParsedResult, type Result } from '../../lib/cni';
import { phase, UndoStack } from '../../lib/util';
import { linkByIndex, linkSetUp, type Link } from '../../lib/netlink';
import { openSandbox, waitPortReady, type Sandbox } from '../../lib/iface';
import { runIpamAdd, runIpamDel } from '../../lib/ipam/run-ipam';
import { attachL2 } from './attach';
import { loadBridgeConfig, type BridgeConfig } from './config';
import { BridgeCode, toBridgeError } from './errors';
import { firewall } from './firewall';
import { configureL3 } from './l3';
import { failPoint } from './add-steps';

/**
 * ADD. In L3 mode the IPAM ADD starts first and runs while the links are made (an exec'd IPAM then
 * costs no wall time of its own). Every change pushes its reversal on an undo stack that a failure
 * unwinds: the veth, the lease, the spoof-check and masquerade rules. The bridge, its gateway address
 * and forwarding are shared by every attachment and are never undone, as in the reference.
 */
export async function cmdAdd(args: CmdArgs): Promise<Result> {
  const conf = phase('validation', () => loadBridgeConfig(args.config, args.args, 'ADD'));
  const undo = new UndoStack(args.log);
  const sb = phase('netns', () => openSandbox(args));
  try {
    // The addresses were parsed once, from the IPAM result; they become text again only here.
    return formatResultAddresses(await add(args, conf, sb, undo));
  } catch (err) {
    await undo.unwind();
    throw toBridgeError(err, conf);
  } finally {
    sb.ctr.close();
    sb.host.close();
    sb.ns.close();
  }
}

async function add(args: CmdArgs, conf: BridgeConfig, sb: Sandbox, undo: UndoStack): Promise<ParsedResult> {
  const att = { containerID: args.containerID, ifName: args.ifName };
  const l3 = conf.ipamType !== '';
  let lease: Promise<ParsedResult> | undefined;
  if (l3) {
    lease = phase('ipam', () => runIpamAdd(conf.ipamType, args));
    // Observed now, so that a failure while the links are being made is not an unhandled rejection.
    lease.catch(() => undefined);
    undo.push('ipam', async () => {
      if (await lease!.then(() => true, () => false)) await runIpamDel(conf.ipamType, args);
    });
  }

  const links = await phase('netlink', () => attachL2(sb, conf, att, undo));
  let result: ParsedResult = {
    cniVersion: CURRENT_VERSION,
    interfaces: [
      { name: links.bridge.name, mac: links.bridge.hardwareAddr ?? '' },
      { name: links.host.name, mac: links.host.hardwareAddr ?? '' },
      { name: links.container.name, mac: links.container.hardwareAddr ?? '', sandbox: args.netns },
    ],
  };

  if (conf.macspoofchk) {
    const sc = { containerId: att.containerID, ifname: att.ifName };
    phase('firewall', () => firewall().setupSpoofCheck({ ...sc, hostIfname: links.host.name, mac: links.container.hardwareAddr ?? '' }));
    undo.push('macspoofchk', () => firewall().teardownSpoofCheck(sc));
  }
  failPoint(sb.env, 'macspoofchk');

  if (lease) {
    const ipam = await lease;
    failPoint(sb.env, 'ipam');
    if (!ipam.ips?.length) throw new CniError(BridgeCode.NoAddress, 'IPAM plugin returned missing IP config');
    result = await configureL3(sb, conf, att, links, ipam, result, undo);
  } else {
    failPoint(sb.env, 'ipam');
    if (!conf.disableContainerInterface) await linkSetUp(sb.ctr, links.container.index);
    failPoint(sb.env, 'container-iface');
  }

  let hostVeth: Link = links.host;
  if (!conf.disableContainerInterface) hostVeth = await phase('netlink', () => waitPortReady(sb.host, undefined, links.host.index));
  failPoint(sb.env, 'port-ready');

  // The host end's and the bridge's MACs can change as ports come and go: report them as they are now.
  const bridge = await phase('netlink', () => linkByIndex(sb.host, links.bridge.index));
  result.interfaces![0]!.mac = bridge.hardwareAddr ?? '';
  result.interfaces![1]!.mac = hostVeth.hardwareAddr ?? '';
  if (conf.dns) result.dns = conf.dns;
  return result;
}
