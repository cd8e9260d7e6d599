// A real registry (Debian's docker-registry, distribution 2.8) for tests, on 127.0.0.1 at a free port
// with filesystem storage in a throwaway directory, in one of four set-ups: no auth; Basic auth from a
// bcrypt htpasswd file (made by htpasswd -B); token auth, the registry trusting a certificate made with
// openssl and its realm a token server run here in Node that checks Basic credentials and signs RS256
// JWTs granting the asked scope; and TLS with a CA made with openssl, trusted through a certs.d
// directory. destroy() stops everything and removes the directory, even when the test failed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './etcd';

/** Where Debian's docker-registry installs the server. */
export const REGISTRY_BIN = '/usr/bin/docker-registry';
/** apache2-utils' htpasswd, which writes the bcrypt entries the registry requires. */
export const HTPASSWD_BIN = '/usr/bin/htpasswd';

/** How the test registry authenticates and serves. */
export interface TestRegistryOptions {
  auth?: 'none' | 'basic' | 'token';
  /** Users and passwords for basic and token auth (default alice:wonderland). */
  users?: Record<string, string>;
  /** Serve HTTPS with a certificate of a CA made for the test (see `certsDir`). */
  tls?: boolean;
}

/** A request the token server answered. */
export interface TokenRequest {
  readonly user: string | undefined;
  readonly scopes: string[];
  readonly service: string | null;
  readonly status: number;
}

/** A running test registry. */
export interface TestRegistry {
  /** host:port, as a reference names it. */
  readonly host: string;
  readonly url: string;
  /** With tls: a certs.d directory trusting the registry's CA (`<certsDir>/<host>/ca.crt`). */
  readonly certsDir: string | undefined;
  /** The test's scratch directory (under it: data/, the config, keys, the log). */
  readonly dir: string;
  readonly logFile: string;
  /** With token auth: every token request, in order. */
  readonly tokenRequests: TokenRequest[];
  destroy(): Promise<void>;
}

export const DEFAULT_USERS: Readonly<Record<string, string>> = { alice: 'wonderland' };

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** True when the registry and htpasswd are installed (scripts/setup.sh installs both). */
export function registryInstalled(): boolean {
  return fs.existsSync(REGISTRY_BIN) && fs.existsSync(HTPASSWD_BIN);
}

/** Starts a registry as `opts` say; resolves once /v2/ answers. */
export async function startRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  const users = opts.users ?? DEFAULT_USERS;
  const tokenRequests: TokenRequest[] = [];
  let child: ChildProcess | undefined;
  let tokenServer: http.Server | undefined;
  const destroy = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (tokenServer !== undefined) {
      tokenServer.closeAllConnections();
      await new Promise((r) => tokenServer!.close(r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const logFile = path.join(dir, 'registry.log');
    const config: string[] = [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
    ];
    let certsDir: string | undefined;
    if (opts.tls) {
      certsDir = path.join(dir, 'certs.d');
      const { cert, key } = makeServerCert(dir, certsDir, host);
      config.push('  tls:', `    certificate: ${cert}`, `    key: ${key}`);
    }
    if (opts.auth === 'basic') {
      const file = path.join(dir, 'htpasswd');
      fs.writeFileSync(file, Object.entries(users).map(([u, p]) => execFileSync(HTPASSWD_BIN, ['-Bbn', u, p], { encoding: 'utf8' }).trim()).join('\n') + '\n');
      config.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${file}`);
    } else if (opts.auth === 'token') {
      const signer = makeSigner(dir);
      const tokenPort = await freePort();
      tokenServer = startTokenServer(tokenPort, users, signer, tokenRequests);
      await new Promise((r) => tokenServer!.once('listening', r));
      config.push(
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${tokenPort}/token`,
        `    service: ${TOKEN_SERVICE}`,
        `    issuer: ${TOKEN_ISSUER}`,
        `    rootcertbundle: ${signer.certFile}`,
      );
    }
    const configFile = path.join(dir, 'config.yml');
    fs.writeFileSync(configFile, `${config.join('\n')}\n`);
    const log = fs.openSync(logFile, 'a');
    const proc = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const url = `${opts.tls ? 'https' : 'http'}://${host}`;
    await waitReady(url, proc, logFile, certsDir === undefined ? undefined : fs.readFileSync(path.join(certsDir, host, 'ca.crt'), 'utf8'));
    return { host, url, certsDir, dir, logFile, tokenRequests, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

const TOKEN_SERVICE = 'berth-test-registry';
const TOKEN_ISSUER = 'berth-test-token-issuer';

interface Signer {
  readonly certFile: string;
  readonly keyPem: string;
  readonly certDer: Buffer;
}

/** A self-signed RSA certificate whose key signs the tokens; the registry's rootcertbundle. */
function makeSigner(dir: string): Signer {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=berth-test-token'], { stdio: 'ignore' });
  const pem = fs.readFileSync(certFile, 'utf8');
  const certDer = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return { certFile, keyPem: fs.readFileSync(keyFile, 'utf8'), certDer };
}

/** A CA and a server certificate for 127.0.0.1 signed by it; the CA goes to `<certsDir>/<host>/ca.crt`. */
function makeServerCert(dir: string, certsDir: string, host: string): { cert: string; key: string } {
  const f = (name: string): string => path.join(dir, name);
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=berth-test-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('san.ext')]);
  fs.mkdirSync(path.join(certsDir, host), { recursive: true });
  fs.copyFileSync(f('ca.crt'), path.join(certsDir, host, 'ca.crt'));
  return { cert: f('server.crt'), key: f('server.key') };
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * The token server: GET /token?service=&scope=... with Basic credentials of a known user answers
 * {"token", "access_token", "expires_in"} whose JWT grants every scope asked (x5c names the signing
 * certificate, which the registry checks against its rootcertbundle); anything else is 401.
 */
function startTokenServer(port: number, users: Record<string, string>, signer: Signer, log: TokenRequest[]): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    const service = url.searchParams.get('service');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, pass] = basic ? (Buffer.from(basic[1]!, 'base64').toString().split(/:(.*)/s) as [string, string]) : [undefined, undefined];
    const ok = url.pathname === '/token' && user !== undefined && users[user] === pass && service === TOKEN_SERVICE;
    log.push({ user, scopes, service, status: ok ? 200 : 401 });
    if (!ok) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ details: 'incorrect username or password' }));
    }
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((s) => {
      const m = /^(repository):(.+):([a-z,*]+)$/.exec(s);
      return m ? [{ type: m[1], name: m[2], actions: m[3]!.split(',') }] : [];
    });
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [signer.certDer.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: TOKEN_ISSUER, sub: user, aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), signer.keyPem));
    const token = `${header}.${claims}.${signature}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  server.listen(port, '127.0.0.1');
  return server;
}

async function waitReady(url: string, proc: ChildProcess, logFile: string, ca: string | undefined): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`docker-registry exited (${proc.exitCode ?? proc.signalCode}) before it answered:\n${tail(logFile)}`);
    if (await answers(`${url}/v2/`, ca)) return;
    if (Date.now() > deadline) throw new Error(`docker-registry at ${url} did not answer /v2/ in 20 s:\n${tail(logFile)}`);
    await sleep(50);
  }
}

/** True once /v2/ gives any HTTP answer (200, or 401 under auth). */
function answers(url: string, ca: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: 1000, ...(ca ? { ca } : {}), agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
