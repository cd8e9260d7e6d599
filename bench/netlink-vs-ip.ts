import { execFileSync, spawnSync } from 'node:child_process';
import { createNamedNetns, deleteNamedNetns } from '../lib/netns';
import { NetlinkHandle } from '../lib/netlink/handle';
import { NlMessage } from '../lib/netlink/nl/message';
import { NLM_F_ACK, NLM_F_REQUEST, RTM_GETLINK, RTM_NEWLINK } from '../lib/netlink/nl/constants';
import { printRows, summarize, type BenchRow } from './stats';

const IFLA_IFNAME = 3;
const IFLA_MTU = 4;

/**
 * One rtnetlink round trip through our koffi socket against the same operation done by spawning `ip`,
 * in a throwaway netns with a veth pair: a GETLINK by name, and an MTU change (RTM_NEWLINK on an
 * existing link). This is the cost a plugin saves per kernel operation.
 */
export async function benchNetlinkVsIp(iterations = 200): Promise<BenchRow[]> {
  const name = `bt-bench-${process.pid.toString(36)}`;
  const ns = createNamedNetns(name);
  try {
    execFileSync('ip', ['-n', name, 'link', 'add', 'bv0', 'type', 'veth', 'peer', 'name', 'bv1']);
    const h = NetlinkHandle.open(ns);
    try {
      const index = Number(JSON.parse(execFileSync('ip', ['-n', name, '-j', 'link', 'show', 'bv0'], { encoding: 'utf8' }))[0].ifindex);
      const getlink = () => new NlMessage(RTM_GETLINK, NLM_F_REQUEST).raw(Buffer.alloc(16)).str(IFLA_IFNAME, 'bv0');
      const setMtu = (mtu: number) => {
        const ifi = Buffer.alloc(16);
        ifi.writeInt32LE(index, 4);
        return new NlMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK).raw(ifi).u32(IFLA_MTU, mtu);
      };
      const time = async (fn: () => unknown) => {
        const t = process.hrtime.bigint();
        await fn();
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      const nlGet: number[] = [], ipGet: number[] = [], nlSet: number[] = [], ipSet: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const mtu = 1400 + (i % 50);
        nlGet.push(await time(() => h.request(getlink())));
        nlSet.push(await time(() => h.request(setMtu(mtu))));
        if (i % 4 === 0) { // spawning is ~1000x slower; a quarter of the samples is plenty
          ipGet.push(await time(() => spawnSync('ip', ['-n', name, 'link', 'show', 'bv0'])));
          ipSet.push(await time(() => spawnSync('ip', ['-n', name, 'link', 'set', 'dev', 'bv0', 'mtu', String(mtu)])));
        }
      }
      return [
        { name: 'get link by name', unit: 'ms', ours: summarize(nlGet), reference: summarize(ipGet), referenceName: 'spawn ip' },
        { name: 'set link mtu', unit: 'ms', ours: summarize(nlSet), reference: summarize(ipSet), referenceName: 'spawn ip' },
      ];
    } finally {
      h.close();
    }
  } finally {
    ns.close();
    deleteNamedNetns(name);
  }
}

if (require.main === module) {
  benchNetlinkVsIp().then((rows) => printRows('Netlink round trip: koffi socket vs spawning ip', rows));
}
