// Isolation between berth's bridge networks, with real traffic: containers on two user networks and
// the default bridge reach their own network's members, their gateway and an "outside" netns (the
// internet), never each other (ICMP and TCP, both ways); an --internal network's containers reach
// each other and nothing beyond their subnet, nor does the outside reach them. berth runs in the
// sandbox's throwaway host netns, so its rules land in that netns's filter table; the test reads them
// there, flushes them as a reboot would and sees the next start put them back, and sees network rm
// take a network's rules (and the last user network's rm the chains) away.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';
import { ip, makeTestNetns, type TestNetns } from '../../../helpers/netns';

const STAGE_1 = 'BERTH-ISOLATION-STAGE-1';
const STAGE_2 = 'BERTH-ISOLATION-STAGE-2';
const OUTSIDE = '192.0.2.2';
/** Every container runs this: a TCP server on port 7000 answering with its own name. */
const SERVE = (name: string): string[] => ['sh', '-c', `while :; do echo "hi from ${name}" | nc -l -p 7000; done`];

describe('berth CLI: network isolation', function () {
  this.timeout(120_000);
  const b = useBerth();
  let outside: TestNetns;
  const addr = new Map<string, string>();

  before(() => {
    // The host's uplink: a veth from the host netns to the "outside" world, 192.0.2.0/24 (TEST-NET-1).
    // The outside routes every address back to the host, so only the host's filter can stop a reply.
    outside = makeTestNetns('out');
    ip(b.host.name, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'op0', 'netns', outside.name);
    ip(b.host.name, 'addr', 'add', '192.0.2.1/24', 'dev', 'up0');
    ip(b.host.name, 'link', 'set', 'up0', 'up');
    ip(outside.name, 'addr', 'add', `${OUTSIDE}/24`, 'dev', 'op0');
    ip(outside.name, 'link', 'set', 'op0', 'up');
    ip(outside.name, 'link', 'set', 'lo', 'up');
    ip(outside.name, 'route', 'add', 'default', 'via', '192.0.2.1');
  });
  after(() => outside?.remove());

  const filter = (): string => execFileSync('ip', ['netns', 'exec', b.host.name, 'iptables-save', '-t', 'filter'], { encoding: 'utf8' });
  /** The user chains and rules of the filter table (the built-ins' counters change with traffic). */
  const rulesOf = (save: string): string[] => save.split('\n').filter((l) => l.startsWith('-A ') || l.startsWith(':BERTH'));
  const iptables = (...args: string[]): void => void execFileSync('ip', ['netns', 'exec', b.host.name, 'iptables', '-w', '5', ...args]);

  /** Runs a container serving on port 7000; records its address. */
  async function run(name: string, network: string): Promise<void> {
    await b.ok(['run', '-d', '--name', name, '--network', network, 'busybox', ...SERVE(name)]);
    const out = await b.ok(['exec', name, 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    addr.set(name, /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)![1]!);
  }
  const pings = async (from: string, to: string): Promise<boolean> => (await b.berth(['exec', from, 'ping', '-c1', '-W1', addr.get(to) ?? to])).code === 0;
  /** The TCP answer `from` gets from `to`:7000, or '' when the connection was not made. */
  const tcp = async (from: string, to: string): Promise<string> =>
    (await b.berth(['exec', from, 'sh', '-c', `echo | nc -w 1 ${addr.get(to) ?? to} 7000`])).stdout.trim();
  const pingFromOutside = (to: string): boolean => {
    try {
      execFileSync('ip', ['netns', 'exec', outside.name, 'ping', '-c1', '-W1', addr.get(to)!], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  /** Asserts the isolation verdicts between a1/a2 (n1), b1 (n2) and d1 (the default bridge). */
  async function assertIsolated(): Promise<void> {
    assert.ok(await pings('a1', 'a2'), 'a1 -> a2, same network');
    assert.equal(await tcp('a2', 'a1'), 'hi from a1');
    assert.ok(await pings('a1', '10.61.0.1'), 'a1 -> its gateway');
    for (const [x, y] of [['a1', 'b1'], ['b1', 'a1'], ['d1', 'a1'], ['a1', 'd1'], ['b1', 'd1'], ['d1', 'b1']] as const) {
      assert.equal(await pings(x, y), false, `${x} must not reach ${y} (ICMP)`);
      assert.equal(await tcp(x, y), '', `${x} must not reach ${y} (TCP)`);
    }
  }

  it('two user networks and the default bridge: members and gateway reachable, the outside too, never each other, both ways', async () => {
    await b.ok(['network', 'create', '--subnet', '10.61.0.0/24', 'n1']);
    await b.ok(['network', 'create', '--subnet', '10.62.0.0/24', 'n2']);
    await run('a1', 'n1');
    await run('a2', 'n1');
    await run('b1', 'n2');
    await run('d1', 'bridge');
    await assertIsolated();
    for (const c of ['a1', 'b1', 'd1']) assert.ok(await pings(c, OUTSIDE), `${c} -> the outside`);

    // The rules, as the host netns's filter table holds them: one jump, one stage-1 and one stage-2 rule per network.
    const save = filter();
    assert.equal(save.match(new RegExp(`^-A FORWARD .*-j ${STAGE_1}$`, 'gm'))?.length, 1);
    assert.match(save.split('\n').filter((l) => l.startsWith('-A FORWARD'))[0]!, new RegExp(`-j ${STAGE_1}$`), 'the jump comes first');
    for (const name of ['n1', 'n2', 'bridge']) {
      const [net] = JSON.parse(await b.ok(['network', 'inspect', name])) as any[];
      const br = name === 'bridge' ? 'berth0' : `br-${(net.Id as string).slice(0, 12)}`;
      const id12 = (net.Id as string).slice(0, 12);
      assert.match(save, new RegExp(`^-A ${STAGE_1} -i ${br} ! -o ${br} -m comment --comment "berth root [0-9a-f]{8} network ${id12}" -j ${STAGE_2}$`, 'm'));
      assert.match(save, new RegExp(`^-A ${STAGE_2} -o ${br} -m comment --comment "berth root [0-9a-f]{8} network ${id12}" -j DROP$`, 'm'));
    }

    // A reboot flushes iptables: without the rules the networks reach each other (so the rules were
    // what refused it), and the next start on a bridge network puts them back.
    iptables('-D', 'FORWARD', '-m', 'comment', '--comment', 'berth network isolation', '-j', STAGE_1);
    iptables('-F', STAGE_1);
    iptables('-F', STAGE_2);
    iptables('-X', STAGE_1);
    iptables('-X', STAGE_2);
    assert.ok(await pings('a1', 'b1'), 'with the rules flushed, n1 reaches n2');
    assert.equal(await tcp('d1', 'a1'), 'hi from a1', 'with the rules flushed, the default bridge reaches n1');
    await run('a3', 'n1');
    assert.deepEqual(rulesOf(filter()), rulesOf(save), 'the same rules again, nothing more');
    await assertIsolated();

    // network rm takes the network's rules with it; the last user network's rm the chains too.
    const [n2] = JSON.parse(await b.ok(['network', 'inspect', 'n2'])) as any[];
    await b.ok(['rm', '-f', 'b1']);
    await b.ok(['network', 'rm', 'n2']);
    assert.doesNotMatch(filter(), new RegExp(`network ${(n2.Id as string).slice(0, 12)}|br-${(n2.Id as string).slice(0, 12)}`));
    assert.equal(await pings('d1', 'a1'), false, 'n1 and the default bridge stay apart');
    await b.ok(['rm', '-f', 'a1', 'a2', 'a3', 'd1']);
    await b.ok(['network', 'rm', 'n1']);
    assert.doesNotMatch(filter(), /BERTH-ISOLATION/, 'no chain and no jump once only the default bridge is left');
  });

  it('--internal: members reach each other and the gateway, not the outside (even routed there by hand), not other networks; the outside cannot reach in', async () => {
    await b.ok(['network', 'create', '--internal', '--subnet', '10.63.0.0/24', 'ni']);
    await b.ok(['network', 'create', '--subnet', '10.64.0.0/24', 'nx']);
    await run('i1', 'ni');
    await run('i2', 'ni');
    await run('x1', 'nx');
    assert.ok(await pings('i1', 'i2'), 'i1 -> i2, same internal network');
    assert.equal(await tcp('i2', 'i1'), 'hi from i1');
    assert.ok(await pings('i1', '10.63.0.1'), 'i1 -> its gateway');
    assert.doesNotMatch(await b.ok(['exec', 'i1', 'ip', 'route']), /default/, 'no default route, as Docker');
    // The container is root with its capabilities: it can route to the outside itself. Only the host's drop stops it.
    await b.ok(['exec', 'i1', 'ip', 'route', 'add', 'default', 'via', '10.63.0.1']);
    assert.equal(await pings('i1', OUTSIDE), false, 'an internal container must not reach the outside');
    assert.equal(await tcp('i1', 'x1'), '', 'nor another network');
    assert.equal(await tcp('x1', 'i1'), '', 'nor be reached from one');
    assert.ok(await pings('x1', OUTSIDE), 'the other network reaches the outside');

    // From the outside, routed to both subnets through the host: the ordinary network answers, the internal one does not.
    ip(outside.name, 'route', 'add', '10.63.0.0/24', 'via', '192.0.2.1');
    ip(outside.name, 'route', 'add', '10.64.0.0/24', 'via', '192.0.2.1');
    assert.ok(pingFromOutside('x1'), 'the outside reaches an ordinary network by address (no rule of berth stops it)');
    assert.equal(pingFromOutside('i1'), false, 'the outside must not reach an internal network');
    const [ni] = JSON.parse(await b.ok(['network', 'inspect', 'ni'])) as any[];
    assert.equal(ni.Internal, true);
    const save = filter();
    const br = `br-${(ni.Id as string).slice(0, 12)}`;
    assert.match(save, new RegExp(`^-A ${STAGE_1} ! -d 10\\.63\\.0\\.0/24 -i ${br} .* -j DROP$`, 'm'));
    assert.match(save, new RegExp(`^-A ${STAGE_1} ! -s 10\\.63\\.0\\.0/24 -o ${br} .* -j DROP$`, 'm'));

    await b.ok(['rm', '-f', 'i1', 'i2', 'x1']);
    await b.ok(['network', 'rm', 'ni', 'nx']);
    assert.doesNotMatch(filter(), /BERTH-ISOLATION/);
  });

  it('-o isolate=false: a network that reaches and is reached by the others', async () => {
    await b.ok(['network', 'create', '--subnet', '10.65.0.0/24', 'iso']);
    await b.ok(['network', 'create', '--subnet', '10.66.0.0/24', '-o', 'isolate=false', 'open']);
    await run('s1', 'iso');
    await run('o1', 'open');
    await run('d2', 'bridge');
    assert.equal(await tcp('s1', 'o1'), 'hi from o1');
    assert.equal(await tcp('o1', 's1'), 'hi from s1');
    assert.equal(await tcp('d2', 'o1'), 'hi from o1');
    assert.equal(await tcp('s1', 'd2'), '', 'the isolated networks stay apart');
    await b.ok(['rm', '-f', 's1', 'o1', 'd2']);
    await b.ok(['network', 'rm', 'iso', 'open']);
    assert.doesNotMatch(filter(), /BERTH-ISOLATION/);
  });

  it('concurrent starts on three networks write each rule once; a network rm killed after the record went leaves rules the next start removes', async () => {
    await b.ok(['network', 'create', '--subnet', '10.67.0.0/24', 'c1']);
    await b.ok(['network', 'create', '--subnet', '10.68.0.0/24', 'c2']);
    const nets = ['c1', 'c2', 'bridge'];
    // The chains exist but are empty, as `iptables -F` leaves them: no `-N` fails to stop a second
    // writer, only the sync's lock keeps two starts from appending the same rule.
    iptables('-N', STAGE_1);
    iptables('-N', STAGE_2);
    const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => b.berth(['run', '-d', '--network', nets[i % 3]!, 'busybox', 'sleep', '1000'])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const rules = rulesOf(filter()).filter((l) => l.startsWith('-A '));
    assert.equal(new Set(rules).size, rules.length, `a rule written twice:\n${rules.join('\n')}`);
    assert.equal(rules.filter((l) => l.startsWith(`-A ${STAGE_1} `)).length, 3);
    assert.equal(rules.filter((l) => l.startsWith(`-A ${STAGE_2} `)).length, 3);
    assert.equal(rules.filter((l) => l.startsWith('-A FORWARD ')).length, 1);
    await b.ok(['rm', '-f', ...runs.map((r) => r.stdout.trim())]);

    // What keeps them apart is the root's isolation lock: while another process holds it, a start
    // on a bridge network waits before it touches the table, and goes on once it is released.
    iptables('-F', STAGE_2);
    const holder = spawn('flock', ['-x', path.join(b.root, 'networks', '.isolation.lock'), 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const held = (): boolean => new RegExp(`FLOCK\\s+ADVISORY\\s+WRITE\\s+${holder.pid} `).test(fs.readFileSync('/proc/locks', 'utf8'));
      assert.ok(await waitFor(held), 'flock holds the lock');
      const waiting = b.berth(['run', '-d', '--network', 'c1', 'busybox', 'sleep', '1000']);
      let done = false;
      void waiting.then(() => (done = true));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(done, false, 'the start waits for the lock');
      assert.doesNotMatch(filter(), new RegExp(`^-A ${STAGE_2} `, 'm'), 'and has not written a rule');
      holder.stdin!.end();
      const r = await waiting;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(rulesOf(filter()).filter((l) => l.startsWith(`-A ${STAGE_2} `)).length, 3, 'then writes what was missing');
      await b.ok(['rm', '-f', r.stdout.trim()]);
    } finally {
      holder.kill();
    }

    // `network rm` removes the record, then syncs: killed between the two, it leaves c2's rules
    // behind a network that is gone. The next start on any bridge network removes them.
    const [c2] = JSON.parse(await b.ok(['network', 'inspect', 'c2'])) as any[];
    const id12 = (c2.Id as string).slice(0, 12);
    fs.rmSync(path.join(b.root, 'networks', 'c2.json'));
    assert.match(filter(), new RegExp(`network ${id12}`));
    await b.ok(['run', '--rm', '--network', 'c1', 'busybox', 'true']);
    assert.doesNotMatch(filter(), new RegExp(`network ${id12}`), 'the removed network\'s rules are gone');
    assert.match(filter(), new RegExp(`^-A ${STAGE_2} -o berth0 `, 'm'), 'c1 and the default bridge stay isolated');
    await b.ok(['network', 'rm', 'c1']);
    assert.doesNotMatch(filter(), /BERTH-ISOLATION/);
  });

  it('bad options are refused naming the option, and nothing is created', async () => {
    const bad = await b.berth(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', 'icc']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /com\.docker\.network\.bridge\.enable_icc=false is not supported/);
    const notBool = await b.berth(['network', 'create', '-o', 'isolate=sometimes', 'icc']);
    assert.match(notBool.stderr, /invalid value "sometimes" for option isolate: expected true or false/);
    assert.doesNotMatch(await b.ok(['network', 'ls']), /icc/);
  });
});
