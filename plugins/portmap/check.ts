/** CHECK: every rule ADD would write for the container's addresses is in place (code 114 naming the first missing). */
import { CniCode, CniError, type CmdArgs } from '../../lib/cni';
import { containerAddresses } from './addresses';
import { checkHostports } from './backend';
import { loadPortmapConfig } from './config';
import { PortmapCode } from './errors';
import { hostportRequest } from './request';

export async function cmdCheck(args: CmdArgs): Promise<void> {
  const conf = loadPortmapConfig(args.config);
  const prev = args.config.prevResult;
  if (!prev) throw new CniError(CniCode.InvalidNetworkConfig, 'Required prevResult missing');
  if (conf.mappings.length === 0) return;
  for (const addr of containerAddresses(prev, args.ifName)) {
    const missing = checkHostports(conf.backend, hostportRequest(conf, args.containerID, addr));
    if (missing.length > 0) throw new CniError(PortmapCode.CheckFailed, missing[0]!, { details: missing.join('; ') });
  }
}
