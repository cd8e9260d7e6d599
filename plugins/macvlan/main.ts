// The `macvlan` CNI plugin: a drop-in for the reference macvlan (same keys, results and behaviour),
// plus source mode, an ADD that undoes itself, and a STATUS that checks the master.
import { runPlugin } from '../../lib/cni';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { cmdStatus } from './status';

const VERSION = '0.1.0';

void runPlugin({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus }, { name: 'macvlan', version: VERSION })
  .then((code) => {
    process.exitCode = code;
  });
