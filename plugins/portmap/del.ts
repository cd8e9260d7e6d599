/**
 * DEL: removes the container's host port rules, found by network name and container ID alone, so it
 * needs neither CNI_NETNS nor prevResult nor the port mappings, and a config that ADD would refuse
 * still gets its rules removed. Nothing there is success.
 */
import type { CmdArgs } from '../../lib/cni';
import { backendForCleanup } from './config';
import { teardownHostports } from './backend';

export async function cmdDel(args: CmdArgs): Promise<void> {
  teardownHostports(backendForCleanup(args.config), args.config.name, args.containerID);
}
