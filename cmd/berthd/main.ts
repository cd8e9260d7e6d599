// `berthd`: the node daemon of the overlay (issue 7) and of the embedded DNS of user networks (issue 16).
// Wiring only: options, store, netlink handle and underlay go to the Daemon, the berth stores to the
// DnsService; the API serves both on <runDir>/berthd.sock; signals stop it gracefully.
import { createLogger } from '../../lib/log';
import { NetlinkHandle } from '../../lib/netlink';
import { acquireLease } from '../../lib/overlay';
import { berthdSocketPath } from '../../lib/paths';
import { startApiServer } from './api';
import { apiRequest } from './api-client';
import { parseOptions, USAGE, UsageError, type DaemonOptions } from './config';
import { Daemon } from './daemon';
import { lockDaemon } from './daemon-lock';
import { netlinkDatapath } from './datapath';
import { leaveOffline } from './leave';
import { openStore } from './open-store';
import { findUnderlay, type Underlay } from './underlay';
import { DnsService } from './dns/dns-service';

const log = createLogger({ cmd: 'berthd' }, { ...process.env, BERTH_LOG_LEVEL: process.env.BERTH_LOG_LEVEL ?? 'info' });

// A store outage must never take the daemon down: whatever escapes is logged, the datapath stays.
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

async function run(opts: DaemonOptions): Promise<number> {
  // Held until the process exits: a second berthd stops here, before it touches the first one's socket.
  const lock = lockDaemon(opts.runDir);
  const h = NetlinkHandle.open();
  const underlay = await underlayOrNone(h, opts);
  const store = openStore(opts.store, opts.prefix);
  const daemon = new Daemon({
    store, storeKind: opts.store.kind, datapath: netlinkDatapath(h), acquire: acquireLease, underlay,
    stateDir: opts.stateDir, runDir: opts.runDir, leaseTtlMs: opts.leaseTtlMs, resyncMs: opts.resyncMs, log,
  });
  const dns = new DnsService({ berthRoot: opts.berthRoot, cniDir: opts.cniDir, resolvConf: opts.resolvConf }, log);
  // Before the API answers: a berth that started this berthd syncs next and finds every resolver the
  // stores ask for (a restart serves the same names at once).
  await dns.sync();
  const dnsTimer = setInterval(() => void dns.sync(), opts.resyncMs);
  const socket = berthdSocketPath(opts.runDir);
  const server = await startApiServer(daemon, socket, log, dns);
  for (const n of opts.networks) daemon.serve(n);
  log.info({ underlay: underlay?.name, publicIP: underlay?.publicIP, store: opts.store, networks: opts.networks, socket, dns: dns.listening() }, 'berthd started');
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping; the datapath and the leases stay');
      server.close();
      clearInterval(dnsTimer);
      void dns.close().then(() => daemon.stop()).then(() => store.close()).finally(() => {
        lock.release();
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * The underlay, or none when berthd serves no overlay network yet and finds no default route: it then
 * serves the embedded DNS alone (berth starts it so in a netns without a default route).
 */
async function underlayOrNone(h: NetlinkHandle, opts: DaemonOptions): Promise<Underlay | undefined> {
  try {
    return await findUnderlay(h, opts);
  } catch (err) {
    if (opts.networks.length > 0 || opts.iface !== undefined || opts.publicIP !== undefined) throw err;
    log.info({ why: (err as Error).message }, 'no underlay: overlay networks cannot be served by this run, embedded DNS can');
    return undefined;
  }
}

async function leave(opts: DaemonOptions): Promise<number> {
  const socket = berthdSocketPath(opts.runDir);
  let code = 0;
  for (const n of opts.networks) {
    try {
      const r = await apiRequest(socket, 'POST', `/v1/networks/${encodeURIComponent(n)}/leave`);
      if (r.status === 200) {
        process.stdout.write(`${JSON.stringify(r.body)}\n`);
        continue;
      }
      if (r.status !== 404) {
        process.stderr.write(`berthd leave ${n}: ${(r.body as { error?: string }).error ?? r.status}\n`);
        code = 1;
        continue;
      }
    } catch (err) {
      const c = (err as NodeJS.ErrnoException).code;
      if (c !== 'ENOENT' && c !== 'ECONNREFUSED') throw err;
    }
    // No daemon, or it does not serve n: leave through the store directly.
    const h = NetlinkHandle.open();
    const underlay = await findUnderlay(h, opts);
    const store = openStore(opts.store, opts.prefix);
    try {
      const out = await leaveOffline({ store, h, publicIP: underlay.publicIP, runDir: opts.runDir, log }, n);
      process.stdout.write(`${JSON.stringify({ name: n, left: true, ...out })}\n`);
    } finally {
      await store.close();
      h.close();
    }
  }
  return code;
}

async function main(): Promise<number> {
  let opts: DaemonOptions;
  try {
    if (process.argv.includes('--help') || process.argv.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    // A daemon started by accident (or by the build, which runs every cmd bare to warm its code cache)
    // must not take over the host: the bare command prints the usage; `berthd run` uses the defaults.
    if (process.argv.length <= 2) {
      process.stderr.write(USAGE);
      return 2;
    }
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`berthd: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  try {
    return opts.command === 'leave' ? await leave(opts) : await run(opts);
  } catch (err) {
    process.stderr.write(`berthd: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
