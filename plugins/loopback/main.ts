// The `loopback` CNI plugin: a drop-in for the reference loopback, which containerd's CRI runs for
// every pod sandbox. ADD brings `lo` up, CHECK verifies it is up, DEL takes it down (the reference's
// DEL), all without state outside the container netns, so GC and STATUS have nothing to do.
import { runPlugin } from '../../lib/cni';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { cmdDel } from './del';

const VERSION = '0.1.0';

void runPlugin({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: async () => {}, status: async () => {} }, { name: 'loopback', version: VERSION, allowLoopbackIfName: true })
  .then((code) => {
    process.exitCode = code;
  });
