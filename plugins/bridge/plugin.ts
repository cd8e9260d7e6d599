// The bridge plugin's verbs and identity: run by its own main.ts, and in-process by overlay, whose
// delegate it is (lib/cni/in-process-plugin).
import type { InProcessPlugin } from '../../lib/cni';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { cmdStatus } from './status';

export const bridgePlugin: InProcessPlugin = {
  funcs: { add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus },
  info: { name: 'bridge', version: '0.1.0' },
};
