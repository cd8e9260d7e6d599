import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { answerQuery, type AnswerContext } from '../../../../cmd/berthd/dns/dns-answer';
import { RCODE, TYPE, decodeMessage, encodeMessage, recordAddress, type DnsEndpoint, type Message } from '../../../../lib/dns';
import { formatIP } from '../../../../lib/ip';
import type { ContainerRecord } from '../../../../lib/runtime/container';

const WEB = 'a'.repeat(64);
const CLIENT = 'b'.repeat(64);
const endpoints: DnsEndpoint[] = [
  { network: 'n', containerId: WEB, name: 'web', aliases: [], addresses: ['10.0.0.2/24'] },
  { network: 'n', containerId: CLIENT, name: 'client', aliases: [], addresses: ['10.0.0.3/24'] },
];
const leases = new Map([['n 10.0.0.2', WEB], ['n 10.0.0.3', CLIENT], ['n 10.0.0.9', 'c'.repeat(64)]]);

/** A context over fixed endpoints and leases; `forward` records what it was asked and answers `upstream`. */
function ctx(upstream?: (q: Buffer) => Buffer | undefined): AnswerContext & { forwarded: string[][] } {
  const forwarded: string[][] = [];
  return {
    forwarded,
    snapshot: async () => ({ endpoints, records: [{ config: { id: CLIENT, dns: { servers: ['192.0.2.53'], search: [], options: [] } } } as unknown as ContainerRecord] }),
    leaseOwner: (network, address) => leases.get(`${network} ${formatIP(address)}`),
    upstreams: (r) => r?.config.dns?.servers ?? ['192.0.2.1'],
    forward: async (q, servers) => { forwarded.push([...servers]); return upstream?.(q); },
  };
}

const query = (name: string, type: number = TYPE.A, over: Partial<Message['flags']> = {}): Buffer => encodeMessage({
  id: 7, flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, ...over },
  questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals: [],
});
const ask = async (c: AnswerContext, packet: Buffer, source = '10.0.0.3', transport: 'udp' | 'tcp' = 'udp') => {
  const out = await answerQuery(c, { packet, network: 'n', source, transport });
  return out === undefined ? undefined : decodeMessage(out);
};

describe('berthd: answering a DNS query', () => {
  it('answers a container name authoritatively, with the question echoed', async () => {
    const m = (await ask(ctx(), query('web')))!;
    assert.equal(m.id, 7);
    assert.equal(m.flags.qr && m.flags.aa && m.flags.rd && m.flags.ra, true);
    assert.deepEqual(m.questions, [{ name: 'web', type: TYPE.A, class: 1 }]);
    assert.deepEqual(m.answers.map((a) => formatIP(recordAddress(a)!)), ['10.0.0.2']);
  });
  it('a container whose endpoint is not stored yet is known by its lease', async () => {
    const m = (await ask(ctx(), query('web'), '10.0.0.9'))!;
    assert.deepEqual(m.answers.map((a) => formatIP(recordAddress(a)!)), ['10.0.0.2']);
  });
  it('refuses an address that is no container of the network', async () => {
    assert.equal((await ask(ctx(), query('web'), '10.0.0.77'))!.flags.rcode, RCODE.REFUSED);
  });
  it('forwards other names to the asker\'s --dns servers and relays the answer; SERVFAIL when none answers', async () => {
    const c = ctx((q) => Buffer.concat([q.subarray(0, 2), Buffer.from([0x81, 0x80]), q.subarray(4)]));
    const relayed = (await ask(c, query('example.test')))!;
    assert.equal(relayed.flags.rcode, 0);
    assert.deepEqual(c.forwarded, [['192.0.2.53']]);
    const dead = ctx(() => undefined);
    assert.equal((await ask(dead, query('example.test')))!.flags.rcode, RCODE.SERVFAIL);
  });
  it('NXDOMAIN in the network\'s domain; NOTIMP for another opcode; FORMERR for two questions or garbage; no answer to an answer', async () => {
    assert.equal((await ask(ctx(), query('nope.n')))!.flags.rcode, RCODE.NXDOMAIN);
    assert.equal((await ask(ctx(), query('web', TYPE.A, { opcode: 2 })))!.flags.rcode, RCODE.NOTIMP);
    const two = query('web');
    two.writeUInt16BE(2, 4);
    assert.equal((await ask(ctx(), Buffer.concat([two, query('web').subarray(12)])))!.flags.rcode, RCODE.FORMERR);
    assert.equal((await ask(ctx(), query('web').subarray(0, 15)))!.flags.rcode, RCODE.FORMERR);
    assert.equal(await ask(ctx(), query('web', TYPE.A, { qr: true })), undefined);
    assert.equal(await ask(ctx(), Buffer.from([1, 2, 3])), undefined);
  });
  it('never throws on random packets, over UDP or TCP', async () => {
    const c = ctx(() => undefined);
    for (let i = 0; i < 2000; i++) await answerQuery(c, { packet: randomBytes(i % 64), network: 'n', source: '10.0.0.3', transport: i % 2 ? 'udp' : 'tcp' });
  });
});
