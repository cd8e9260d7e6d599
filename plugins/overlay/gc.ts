/**
 * GC (spec 1.1): forwarded to the bridge delegate (stale host veths of this network and, through it,
 * the host-local leases), then our own per-attachment state of attachments not in
 * `cni.dev/valid-attachments`: masquerade rules and stored delegate configs. Without a valid list
 * nothing is known to be stale, so only the delegate's GC runs (and decides the same way).
 */
import { CniCode, delegateGc, type CniError, type GcArgs, type NetConf } from '../../lib/cni';
import { BestEffort } from '../../lib/util';
import { loadOverlayConfig, type OverlayConfig } from './config';
import { bridgeConfFor, DELEGATE_TYPE, delegateOptions } from './delegate-conf';
import { firewall } from './firewall';
import { readLeaseFile } from './lease-file';
import { listScratch, removeScratch, type ScratchEntry } from './scratch';

const ATTACHMENT_KEYS = ['cni.dev/valid-attachments', 'cni.dev/attachments'] as const;

/** GC: each step attempted; the failures are reported together. */
export async function cmdGc(args: GcArgs): Promise<void> {
  const conf = loadOverlayConfig(args.config, 'GC');
  const stored = listScratch(conf.dataDir, conf.network);
  const steps = new BestEffort();
  const delegateConf = gcDelegateConf(conf, args.config, stored);
  if (delegateConf) {
    const stdin = { ...delegateConf, cniVersion: conf.cniVersion } as Record<string, unknown>;
    for (const key of ATTACHMENT_KEYS) if (args.config[key] !== undefined) stdin[key] = args.config[key];
    await steps.attempt(() => delegateGc(DELEGATE_TYPE, JSON.stringify(stdin), args.env, args.path, delegateOptions(args.log)));
  }
  const valid = args.validAttachments;
  if (valid !== undefined) {
    await steps.attempt(() => firewall().gcIpMasq(conf.network, valid.map((a) => ({ containerId: a.containerID, ifname: a.ifname }))));
    if (steps.ok) {
      const keep = new Set(valid.map((a) => `${a.containerID}-${a.ifname}`));
      for (const s of stored) if (!keep.has(s.key)) await steps.attempt(() => removeScratch(s.file));
    }
  }
  steps.throwIfFailed((errors) => new AggregateError(errors, `GC: ${errors.length} steps failed`));
}

/**
 * The config to forward GC with: from the lease file, else from any stored attachment (berthd gone,
 * its containers still here), else none (no lease and no attachment: nothing of ours to collect).
 */
function gcDelegateConf(conf: OverlayConfig, raw: NetConf, stored: readonly ScratchEntry[]): NetConf | undefined {
  try {
    return bridgeConfFor(conf, readLeaseFile(conf.leaseFile, conf.network), raw);
  } catch (err) {
    if ((err as CniError).code !== CniCode.TryAgainLater && stored.length === 0) throw err;
    return stored[0]?.conf;
  }
}
