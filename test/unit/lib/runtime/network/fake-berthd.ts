// A fake berthd for unit tests: a node:http server on `<runDir>/berthd.sock` answering POST
// /v1/networks as berthd's API is specified (200/201 with the stored OverlayConfig, or {"error"}),
// and POST /v1/dns/sync with the resolvers the test says it serves (`dnsListeners`), so a container
// on an overlay network can start against it (berth syncs berthd's DNS before the command runs).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** A fake berthd: records the requests, answers with `reply` (status and body). */
export interface FakeBerthd {
  readonly requests: Array<{ method: string; url: string; body: any }>;
  reply: (body: any) => { status: number; body: unknown };
  /** What POST /v1/dns/sync reports as listening: `{network, address}` of each resolver. */
  dnsListeners: Array<{ network: string; address: string }>;
  close(): Promise<void>;
}

/** Starts a fake berthd listening on `<runDir>/berthd.sock`. */
export async function startFakeBerthd(runDir: string): Promise<FakeBerthd> {
  const fake: FakeBerthd = {
    requests: [],
    reply: (body) => ({ status: 201, body: { Network: body.network, SubnetLen: body.subnetLen ?? 24, Backend: { Type: 'vxlan', VNI: body.vni ?? 1, Port: body.port ?? 4789 } } }),
    dnsListeners: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => {
      const body = text === '' ? undefined : JSON.parse(text);
      fake.requests.push({ method: req.method!, url: req.url!, body });
      const { status, body: out } = req.url === '/v1/dns/sync' ? { status: 200, body: { listeners: fake.dnsListeners } } : fake.reply(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof out === 'string' ? out : JSON.stringify(out));
    });
  });
  fs.mkdirSync(runDir, { recursive: true });
  await new Promise<void>((resolve) => server.listen(path.join(runDir, 'berthd.sock'), resolve));
  return fake;
}
