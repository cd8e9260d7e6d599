// A second process on a FileStore, for the cross-process tests (run with `node --import tsx`):
//   race <file> <ip> <subnet>...   prints "ready", waits for a line on stdin, then tries to create each
//                                  subnet in turn and prints the JSON list of results
//   churn <file> <ip>              prints "ready", then creates, renews and deletes leases until killed
import readline from 'node:readline';
import { FileStore } from '../../../../../lib/overlay/stores/file-store';
import type { LeaseAttrs } from '../../../../../lib/overlay/types';

const [mode, file, ip, ...subnets] = process.argv.slice(2);
const store = new FileStore({ path: file! });
const attrs: LeaseAttrs = { PublicIP: ip!, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: '0a:00:00:00:00:02' } };

async function race(): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => rl.once('line', () => resolve()));
  rl.close();
  const results: boolean[] = [];
  for (const s of subnets) results.push(await store.createLease('blue', s, attrs, 60_000));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

async function churn(): Promise<void> {
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const subnet = `10.244.${(i % 200) + 1}.0/24`;
    await store.createLease('blue', subnet, attrs, 60_000);
    await store.renewLease('blue', subnet, attrs, 60_000);
    if (i % 3 === 0) await store.deleteLease('blue', subnet);
  }
}

(mode === 'race' ? race() : churn()).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
