/** ADD: `lo` up; the result names it with its first IPv4 and IPv6 address, or passes prevResult on. */
import { CniCode, CniError, type CmdArgs, type IPConfig, type Result } from '../../lib/cni';
import { addrList, linkSetUp } from '../../lib/netlink';
import { openSandbox } from '../../lib/iface';
import { isLoopbackAddress, LOOPBACK, loopbackLink } from './loopback';

/**
 * ADD. Chained after another plugin (a prevResult present), the result is that plugin's, unchanged,
 * as the reference passes it through; alone, it is `lo` with the zero MAC and its addresses.
 * @throws {CniError} 4 when CNI_NETNS cannot be entered; 999 when `lo` carries a non-loopback address
 *   (someone configured the netns in a way the pod's `localhost` cannot rely on)
 */
export async function cmdAdd(args: CmdArgs): Promise<Result> {
  const sb = openSandbox(args);
  try {
    const lo = await loopbackLink(sb.ctr);
    await linkSetUp(sb.ctr, lo.index);
    const addrs = await addrList(sb.ctr, { index: lo.index });
    const stranger = addrs.find((a) => !isLoopbackAddress(a.cidr));
    if (stranger) throw new CniError(CniCode.Internal, `loopback interface found with non-loopback address ${JSON.stringify(stranger.cidr.split('/')[0])}`);
    // The first address of each family, IPv4 first, as the reference reports them.
    const ips: IPConfig[] = [addrs.find((a) => !a.cidr.includes(':')), addrs.find((a) => a.cidr.includes(':'))]
      .filter((a) => a !== undefined)
      .map((a) => ({ interface: 0, address: a.cidr }));
    if (args.config.prevResult) return args.config.prevResult;
    return {
      cniVersion: args.config.cniVersion,
      interfaces: [{ name: LOOPBACK, mac: '00:00:00:00:00:00', sandbox: args.netns }],
      ...(ips.length > 0 ? { ips } : {}),
    };
  } finally {
    sb.ctr.close();
    sb.host.close();
    sb.ns.close();
  }
}
