/** ADD: the macvlan in the container, its addresses and routes, undone as a whole when any step fails. */
import { CniError, CURRENT_VERSION, formatResultAddresses, type CmdArgs, type ParsedResult, type Result } from '../../lib/cni';
import { UndoStack } from '../../lib/util';
import { NetlinkError, linkByIndex, linkSetUp, type Link, type MacvlanLink } from '../../lib/netlink';
import { configureIface, openSandbox, writeSysctls, type Sandbox } from '../../lib/iface';
import { runIpamAdd, runIpamDel } from '../../lib/ipam/run-ipam';
import { loadMacvlanConfig, type MacvlanConfig } from './config';
import { MacvlanCode, toMacvlanError } from './errors';
import { MacInUseError, createMacvlan, masterHandle } from './link';
import { checkMtu, findMaster } from './master';
import { failPoint } from './add-steps';

/**
 * ADD. Order: the config (7), CNI_NETNS (4), the master and its MTU (7); then the IPAM ADD starts and
 * runs while the link is made (an exec'd IPAM then costs no wall time of its own). The link and the
 * lease each push their reversal on an undo stack that any later failure unwinds, newest first.
 */
export async function cmdAdd(args: CmdArgs): Promise<Result> {
  const conf = loadMacvlanConfig(args.config, args.args);
  const sb = openSandbox(args);
  const undo = new UndoStack(args.log);
  try {
    // The addresses were parsed once, from the IPAM result; they become text again only here.
    return formatResultAddresses(await add(args, conf, sb, undo));
  } catch (err) {
    await undo.unwind();
    throw toMacvlanError(err, 'ADD');
  } finally {
    sb.ctr.close();
    sb.host.close();
    sb.ns.close();
  }
}

async function add(args: CmdArgs, conf: MacvlanConfig, sb: Sandbox, undo: UndoStack): Promise<ParsedResult> {
  const master = await findMaster(masterHandle(sb, conf), conf);
  checkMtu(conf, master);

  let lease: Promise<ParsedResult> | undefined;
  if (conf.ipamType !== '') {
    lease = runIpamAdd(conf.ipamType, args);
    // Observed now, so that a failure while the link is being made is not an unhandled rejection.
    lease.catch(() => undefined);
    undo.push('ipam', async () => {
      if (await lease!.then(() => true, () => false)) await runIpamDel(conf.ipamType, args);
    });
  }

  const link = await createMacvlan(sb, conf, master, { containerID: args.containerID, ifName: args.ifName }, undo);
  let result: ParsedResult = {
    cniVersion: CURRENT_VERSION,
    interfaces: [{ name: args.ifName, mac: link.hardwareAddr ?? '', sandbox: args.netns }],
  };

  if (lease) {
    const ipam = await lease;
    failPoint(sb.env, 'ipam');
    if (!ipam.ips?.length) throw new CniError(MacvlanCode.NoAddress, 'IPAM plugin returned missing IP config');
    // Every address belongs to the one interface this plugin makes.
    result = { ...result, ips: ipam.ips.map((ip) => ({ ...ip, interface: 0 })) };
    if (ipam.routes?.length) result.routes = ipam.routes;
    if (ipam.dns) result.dns = ipam.dns;
    // Announce the new MAC at once (gratuitous ARP, unsolicited NA): a macvlan's MAC is new to the
    // segment, and peers may cache a previous owner of the address. Optional, as in the reference.
    writeSysctls(sb.ns, [
      { key: `net/ipv4/conf/${args.ifName}/arp_notify`, value: '1', optional: true },
      { key: `net/ipv6/conf/${args.ifName}/ndisc_notify`, value: '1', optional: true },
    ]);
    await bringUp(link, master.name, () => configureIface(sb.ctr, args.ifName, result, { ns: sb.ns, index: link.index }));
  } else {
    failPoint(sb.env, 'ipam');
    await bringUp(link, master.name, () => linkSetUp(sb.ctr, link.index));
  }
  failPoint(sb.env, 'configure');

  // The config's dns wins over the IPAM's (the reference always takes the config's, even when empty).
  if (conf.dns) result.dns = conf.dns;
  // A passthru macvlan may take the master's MAC as it comes up: report what the kernel has now.
  const now = (await linkByIndex(sb.ctr, link.index)) as MacvlanLink;
  result.interfaces![0]!.mac = now.hardwareAddr ?? '';
  return result;
}

/**
 * Runs the step that brings the link up. The kernel refuses a macvlan MAC that another macvlan of the
 * same master already has only when the link opens (EADDRINUSE from macvlan_open), not at creation.
 */
async function bringUp(link: Link, master: string, up: () => Promise<void>): Promise<void> {
  try {
    await up();
  } catch (err) {
    for (let e: unknown = err; e instanceof Error; e = e.cause) {
      if (e instanceof NetlinkError && e.code === 'EADDRINUSE') throw new MacInUseError(link.hardwareAddr ?? '', master, err);
    }
    throw err;
  }
}
