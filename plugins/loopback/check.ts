/** CHECK: `lo` is up, as the reference checks, and carries only loopback addresses, as ADD requires. */
import { CniCode, CniError, type CmdArgs } from '../../lib/cni';
import { addrList } from '../../lib/netlink';
import { openSandbox } from '../../lib/iface';
import { isLoopbackAddress, loopbackLink } from './loopback';

/** @throws {CniError} 999 "loopback interface is down" (the reference's message), or naming the stray address */
export async function cmdCheck(args: CmdArgs): Promise<void> {
  const sb = openSandbox(args);
  try {
    const lo = await loopbackLink(sb.ctr);
    if (!lo.up) throw new CniError(CniCode.Internal, 'loopback interface is down');
    const stranger = (await addrList(sb.ctr, { index: lo.index })).find((a) => !isLoopbackAddress(a.cidr));
    if (stranger) throw new CniError(CniCode.Internal, `loopback interface has a non-loopback address ${stranger.cidr}`);
  } finally {
    sb.ctr.close();
    sb.host.close();
    sb.ns.close();
  }
}
