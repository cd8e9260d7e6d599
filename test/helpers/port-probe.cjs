// A TCP and UDP server and client for traffic tests, run as a plain `node` child inside a netns
// (spawned with withNetns, so its sockets live there). Plain CommonJS: it starts in milliseconds.
//   serve <tcpPort> <udpPort>            prints "ready" once both listen; answers "tcp-hello" / "udp-hello"
//   tcp <host> <port>                    prints the answer, or "fail" after 1.5 s
//   udp <host> <port> [sourcePort]       the same over UDP, from a fixed source port if given
'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

const [mode, a, b, c] = process.argv.slice(2);
const TIMEOUT_MS = 1500;
const done = (text) => { process.stdout.write(`${text}\n`); process.exit(0); };

if (mode === 'serve') {
  let ready = 0;
  const up = () => { if (++ready === 2) process.stdout.write('ready\n'); };
  net.createServer((s) => s.end('tcp-hello')).listen({ port: Number(a), host: '::', ipv6Only: false }, up);
  const udp = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  udp.on('message', (_msg, from) => udp.send('udp-hello', from.port, from.address));
  udp.bind(Number(b), '::', up);
} else if (mode === 'tcp') {
  setTimeout(() => done('fail'), TIMEOUT_MS);
  const s = net.connect({ host: a, port: Number(b) });
  let got = '';
  s.on('data', (d) => { got += d; });
  s.on('end', () => done(got || 'fail'));
  s.on('error', () => done('fail'));
} else if (mode === 'udp') {
  setTimeout(() => done('fail'), TIMEOUT_MS);
  const sock = dgram.createSocket(net.isIPv6(a) ? 'udp6' : 'udp4');
  sock.on('message', (msg) => done(String(msg)));
  sock.on('error', () => done('fail'));
  sock.bind(c === undefined ? 0 : Number(c), () => sock.send('ping', Number(b), a));
} else {
  process.stderr.write(`usage: port-probe.cjs serve|tcp|udp ...\n`);
  process.exit(2);
}
