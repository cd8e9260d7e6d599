import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  createNamedNetns, currentNetns, deleteNamedNetns, listNamedNetns, openNetns, sameNetns, withNetns,
  NetnsNotFoundError, NotANetnsError,
} from '../../../../lib/netns';
import { gettid } from '../../../../lib/sys';
import { makeTestNetns, uniqueName } from '../../../helpers/netns';

/** The netns inode of every thread of this process, by thread id. */
function threadNetns(): Map<number, string> {
  return new Map(fs.readdirSync('/proc/self/task').map((t) => [Number(t), fs.readlinkSync(`/proc/self/task/${t}/ns/net`)]));
}

describe('lib/netns', () => {
  it('creates a named netns that ip netns sees, and deletes it', () => {
    const name = uniqueName('named');
    const ns = createNamedNetns(name);
    try {
      assert.ok(listNamedNetns().includes(name));
      assert.match(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), new RegExp(`^${name}\\b`, 'm'));
      // The netns is a new one: only lo, and not ours.
      const links = JSON.parse(execFileSync('ip', ['-n', name, '-j', 'link'], { encoding: 'utf8' }));
      assert.deepEqual(links.map((l: { ifname: string }) => l.ifname), ['lo']);
      const self = currentNetns();
      assert.equal(sameNetns(self, ns), false);
      self.close();
    } finally {
      ns.close();
      deleteNamedNetns(name);
    }
    assert.equal(listNamedNetns().includes(name), false);
    assert.equal(fs.existsSync(`/run/netns/${name}`), false);
    deleteNamedNetns(name); // deleting twice is fine
  });

  it('refuses to create a name that exists, or one that leaves the directory', () => {
    const ns = makeTestNetns('dup');
    try {
      assert.throws(() => createNamedNetns(ns.name), { code: 'EEXIST' });
      for (const bad of ['', '.', '..', '../etc', 'a/b', 'x\0y']) {
        assert.throws(() => createNamedNetns(bad), TypeError, bad);
      }
    } finally {
      ns.remove();
    }
  });

  it('opens by path, and refuses a missing path, a plain file and another namespace type', () => {
    const ns = makeTestNetns('open');
    try {
      const again = openNetns(`/run/netns/${ns.name}`);
      assert.ok(sameNetns(again, ns));
      again.close();
      assert.throws(() => openNetns('/run/netns/bt-does-not-exist'), NetnsNotFoundError);
      assert.throws(() => openNetns('/etc/hostname'), NotANetnsError);
      assert.throws(() => openNetns('/proc/self/ns/uts'), NotANetnsError);
      assert.throws(() => openNetns('/proc/self/ns/net\0x'), NotANetnsError);
    } finally {
      ns.remove();
    }
  });

  it('withNetns moves only the calling thread, and back', () => {
    const ns = makeTestNetns('thread');
    try {
      const target = `net:[${fs.statSync(`/run/netns/${ns.name}`).ino}]`;
      const before = threadNetns();
      const home = before.get(process.pid);
      const inside = withNetns(ns, () => threadNetns());
      assert.equal(inside.get(gettid()), target, 'the calling thread is in the target netns');
      for (const [tid, link] of inside) {
        if (tid !== gettid()) assert.equal(link, home, `thread ${tid} stayed in the original netns`);
      }
      assert.ok(inside.size > 1, 'Node runs several threads; the test would be empty otherwise');
      const after = threadNetns();
      for (const link of after.values()) assert.equal(link, home);
    } finally {
      ns.remove();
    }
  });

  it('a sysctl written inside withNetns lands in the target netns only', () => {
    const ns = makeTestNetns('sysctl');
    const key = '/proc/sys/net/ipv4/conf/lo/arp_ignore';
    const hostBefore = fs.readFileSync(key, 'utf8').trim();
    const value = hostBefore === '2' ? '1' : '2';
    try {
      withNetns(ns, () => fs.writeFileSync(key, value));
      const inTarget = execFileSync('ip', ['netns', 'exec', ns.name, 'cat', key], { encoding: 'utf8' }).trim();
      assert.equal(inTarget, value);
      assert.equal(fs.readFileSync(key, 'utf8').trim(), hostBefore);
    } finally {
      ns.remove();
    }
  });

  it('withNetns rejects an async callback after moving back', async () => {
    const ns = makeTestNetns('async');
    try {
      const home = fs.readlinkSync('/proc/thread-self/ns/net');
      assert.throws(() => withNetns(ns, async () => 1), /must be synchronous/);
      assert.equal(fs.readlinkSync('/proc/thread-self/ns/net'), home);
      // An exception inside the window also moves the thread back.
      assert.throws(() => withNetns(ns, () => { throw new Error('boom'); }), /boom/);
      assert.equal(fs.readlinkSync('/proc/thread-self/ns/net'), home);
    } finally {
      ns.remove();
    }
  });

  it('async fs calls after a switch still run in the original netns (the pool was warmed first)', async () => {
    const ns = makeTestNetns('pool');
    try {
      const home = fs.readlinkSync('/proc/thread-self/ns/net');
      withNetns(ns, () => undefined);
      // /proc/thread-self read by a pool thread reports that pool thread's netns.
      const seen = await fs.promises.readlink('/proc/thread-self/ns/net');
      assert.equal(seen, home);
    } finally {
      ns.remove();
    }
  });
});
