// The `bridge` CNI plugin: a drop-in for the reference bridge (same keys, results and firewall rules).
import { runPlugin } from '../../lib/cni';
import { bridgePlugin } from './plugin';

void runPlugin(bridgePlugin.funcs, bridgePlugin.info).then((code) => {
  process.exitCode = code;
});
