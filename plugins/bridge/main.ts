// The `bridge` CNI plugin: a drop-in for the reference bridge (same keys, results and firewall rules).
import { runPlugin } from '../../lib/cni';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { cmdStatus } from './status';

const VERSION = '0.1.0';

void runPlugin({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus }, { name: 'bridge', version: VERSION })
  .then((code) => {
    process.exitCode = code;
  });
