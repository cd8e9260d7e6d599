// The `overlay` CNI plugin: attaches a container to this node's share of an overlay network, with the
// subnet and MTU berthd leased (read from its lease file), through the bridge plugin as delegate.
import { runPlugin } from '../../lib/cni';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { cmdDel } from './del';
import { cmdGc } from './gc';
import { cmdStatus } from './status';

const VERSION = '0.1.0';

void runPlugin({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus }, { name: 'overlay', version: VERSION })
  .then((code) => {
    process.exitCode = code;
  });
