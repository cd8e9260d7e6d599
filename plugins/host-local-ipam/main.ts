// The `host-local` IPAM executable: a drop-in for the reference plugin, same config, same store.
import { runPlugin } from '../../lib/cni';
import { hostLocalAdd, hostLocalCheck, hostLocalDel, hostLocalGc, hostLocalStatus } from '../../lib/ipam/host-local-commands';

const VERSION = '0.1.0';

void runPlugin(
  { add: hostLocalAdd, del: hostLocalDel, check: hostLocalCheck, gc: hostLocalGc, status: hostLocalStatus },
  { name: 'host-local', version: VERSION },
).then((code) => {
  process.exitCode = code;
});
