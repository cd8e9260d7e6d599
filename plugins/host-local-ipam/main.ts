// The `host-local` IPAM executable: a drop-in for the reference plugin, same config, same store.
import { runPlugin } from '../../lib/cni';
import { cmdAdd, cmdCheck, cmdDel, cmdGc, cmdStatus } from './commands';

const VERSION = '0.1.0';

void runPlugin({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus }, { name: 'host-local', version: VERSION })
  .then((code) => {
    process.exitCode = code;
  });
