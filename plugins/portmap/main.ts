// The `portmap` CNI plugin: a drop-in for the reference portmap (same keys, chains and tables, so that
// either's DEL removes the other's rules), chained after bridge/macvlan for the `portMappings`
// capability: Kubernetes hostPorts, `berth run -p`.
import { runPlugin } from '../../lib/cni';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { cmdDel } from './del';
import { cmdGc } from './gc';

const VERSION = '0.1.0';

void runPlugin({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: async () => {} }, { name: 'portmap', version: VERSION })
  .then((code) => {
    process.exitCode = code;
  });
