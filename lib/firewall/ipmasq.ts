/**
 * Per-attachment masquerade (the bridge's `ipMasq`), over either netfilter front end, compatible with
 * the reference's `SetupIPMasqForNetworks` / `TeardownIPMasqForNetworks` / `GCIPMasqForNetwork`.
 * Everything is keyed by (network, container ID, ifname): teardown and GC need no address, no netns
 * and no prevResult, which closes the reference's leak when DEL comes without CNI_NETNS. Both backends
 * keep each interface's rules apart, so removing one interface of a container leaves its others'
 * masquerading intact, and the last one's removal leaves nothing (no chain, no table).
 */
import { formatIP, parseCidr, type Cidr, type Family } from '../ip';
import { BestEffort } from '../util';
import { formatChainName, nftInstanceHash, parseNftComment } from './names';
import { listIptablesMasq, removeIptablesMasq, removeSoleIptablesMasq, setupIptablesMasq } from './iptables';
import type { MasqRemoval } from './iptables-remove';
import { listNftMasq, nftUsable, removeNftMasq, setupNftMasq, teardownNftMasq } from './nftables';
import { FirewallError, runFirewall, type FirewallOptions } from './run';

/** The two backends, spelled as the bridge's `ipMasqBackend` key spells them. */
export type IpMasqBackend = 'iptables' | 'nftables';
const BACKENDS: readonly IpMasqBackend[] = ['iptables', 'nftables'];

/** Who the rules belong to. */
export interface IpMasqAttachment {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
}

/** What to masquerade: the attachment's addresses (a CNI result's `ips[].address`, parsed). */
export interface IpMasqRequest extends IpMasqAttachment {
  readonly ips: readonly Cidr[];
  /**
   * `ipMasqBackend` from the config (its schema admits only these two names); unset picks iptables
   * unless only nftables is usable.
   */
  readonly backend?: IpMasqBackend | undefined;
  /**
   * Further destinations (`net/prefix`) whose traffic keeps its source address, besides each
   * address's own subnet: the overlay's cluster CIDR, routed to the other hosts unNATed.
   */
  readonly exclude?: readonly string[];
}

/** Masquerade state found on the host for one attachment. */
export interface IpMasqEntry {
  readonly backend: IpMasqBackend;
  readonly containerId: string;
  /**
   * The interface. Missing for iptables rules the reference (or an older berth) wrote, which name
   * none: they belong to some interface of the container.
   */
  readonly ifname?: string;
  /** iptables only: which table (iptables or ip6tables) holds the chain. */
  readonly family?: Family;
  /** The chain name (iptables) or the comment's hash prefix (nftables). */
  readonly key: string;
}

/**
 * Picks the backend like the reference: an explicit `iptables` or `nftables`; unset → iptables, unless
 * iptables is unusable and nftables is usable. (With neither usable the reference falls back to
 * iptables, and so does this: its error then names the missing command.)
 */
export function selectIpMasqBackend(requested: IpMasqBackend | undefined, opts: FirewallOptions = {}): IpMasqBackend {
  if (requested !== undefined) return requested;
  return !iptablesUsable(opts) && nftUsable(opts) ? 'nftables' : 'iptables';
}

/**
 * Installs masquerade rules for the attachment's addresses, one batch per family (iptables) or one
 * transaction (nftables); repeating it adds nothing. Returns the backend used. With no backend given
 * it tries iptables straight away and probes only if that fails, so the usual ADD spends no process
 * on detection.
 * @throws {FirewallError} a firewall command failed (retryable on lock contention)
 */
export function setupIpMasq(req: IpMasqRequest, opts: FirewallOptions = {}): IpMasqBackend {
  const cidrs = req.ips;
  const exclude = (req.exclude ?? []).map(toCidr);
  const backend = req.backend;
  if (backend === 'nftables') {
    setupNftMasq(req.network, req.ifname, req.containerId, cidrs, opts, exclude);
    return 'nftables';
  }
  try {
    for (const family of [4, 6] as const) {
      setupIptablesMasq(family, req, cidrs.filter((c) => c.ip.family === family), opts, exclude);
    }
    return 'iptables';
  } catch (err) {
    if (backend !== undefined || !(err instanceof FirewallError) || iptablesUsable(opts) || !nftUsable(opts)) throw err;
    setupNftMasq(req.network, req.ifname, req.containerId, cidrs, opts, exclude);
    return 'nftables';
  }
}

/**
 * Removes the attachment's masquerade rules from both backends (the attachment may come from an older
 * configuration or from the reference plugin); what the container's other interfaces use stays.
 * Missing rules, tables or tools are success; every backend is tried before the first error is
 * reported. `ips` (e.g. prevResult's addresses) narrows the iptables part to their families, as the
 * reference's teardown does (ADD wrote rules only for the families it had addresses in: one
 * iptables-save less per DEL of a single-stack attachment; GC still looks at both), and which of the
 * reference's rules, which name no interface, are this attachment's. Without `ips` both families are
 * searched, and the reference's rules are all this attachment's unless it has rules of its own.
 * With `ips`, the attachment that is its chain's only user (the usual DEL) goes in one batch without
 * reading the table first (removeSoleIptablesMasq).
 */
export function teardownIpMasq(
  att: IpMasqAttachment, opts: FirewallOptions & { backends?: readonly IpMasqBackend[]; ips?: readonly Cidr[] } = {},
): void {
  const chain = formatChainName(att.network, att.containerId);
  bestEffort(opts.backends ?? BACKENDS, opts, {
    iptables: () => {
      for (const family of [4, 6] as const) {
        const own = opts.ips?.filter((c) => c.ip.family === family);
        if (own !== undefined && (own.length === 0 || removeSoleIptablesMasq(family, att, own, opts))) continue;
        const legacy: MasqRemoval['legacy'] = own === undefined ? 'unless-owned' : new Set(own.map((c) => `${formatIP(c.ip)}/${family === 4 ? 32 : 128}`));
        removeIptablesMasq(family, new Map([[chain, { ifnames: (i) => i === att.ifname, legacy }]]), opts);
      }
    },
    nftables: () => teardownNftMasq(att.network, att.ifname, att.containerId, opts),
  });
}

/**
 * Lists the attachments of `network` that have masquerade rules, in both backends: an iptables chain
 * gives one entry per interface with rules of its own, and one without ifname for the reference's.
 */
export function listIpMasq(network: string, opts: FirewallOptions = {}): IpMasqEntry[] {
  const out: IpMasqEntry[] = [];
  bestEffort(BACKENDS, opts, {
    iptables: () => {
      for (const family of [4, 6] as const) {
        for (const c of listIptablesMasq(family, network, opts)) {
          const base = { backend: 'iptables', containerId: c.containerId, family, key: c.chain } as const;
          for (const ifname of c.ifnames) out.push({ ...base, ifname });
          if (c.unattributed) out.push(base);
        }
      }
    },
    nftables: () => {
      for (const e of listNftMasq(network, opts)) out.push({ backend: 'nftables', containerId: e.containerId, ifname: e.ifname, key: e.key });
    },
  });
  return out;
}

/**
 * GC: removes the masquerade rules of `network` whose attachment is not in `valid` (the runtime's
 * `cni.dev/valid-attachments`), and returns what it removed. In a shared iptables chain each
 * interface's rules go or stay on their own; the reference's, which name no interface, stay while any
 * interface of their container is valid.
 */
export function gcIpMasq(network: string, valid: readonly Omit<IpMasqAttachment, 'network'>[], opts: FirewallOptions = {}): IpMasqEntry[] {
  const validIfs = new Set(valid.map((v) => `${v.containerId}\0${v.ifname}`));
  const validCids = new Set(valid.map((v) => v.containerId));
  const keepNft = new Set(valid.map((v) => nftInstanceHash(network, v.ifname, v.containerId)));
  const stale = listIpMasq(network, opts).filter((e) => {
    if (e.backend === 'nftables') return !keepNft.has(e.key);
    return e.ifname === undefined ? !validCids.has(e.containerId) : !validIfs.has(`${e.containerId}\0${e.ifname}`);
  });
  bestEffort(BACKENDS, opts, {
    iptables: () => {
      for (const family of [4, 6] as const) {
        const chains = new Map<string, MasqRemoval>();
        for (const e of stale.filter((x) => x.backend === 'iptables' && x.family === family)) {
          const ifs = new Set(stale.filter((x) => x.key === e.key && x.family === family && x.ifname !== undefined).map((x) => x.ifname!));
          const legacy = stale.some((x) => x.key === e.key && x.family === family && x.ifname === undefined);
          chains.set(e.key, { ifnames: (i) => ifs.has(i), legacy });
        }
        removeIptablesMasq(family, chains, opts);
      }
    },
    nftables: () => {
      const doomed = new Set(stale.filter((e) => e.backend === 'nftables').map((e) => e.key));
      if (doomed.size > 0) removeNftMasq((r) => doomed.has(parseNftComment(r.comment ?? '')?.key ?? ''), opts);
    },
  });
  return stale;
}

/** True when iptables can list a chain, the reference's probe (`ChainExists("filter", "INPUT")`). */
export function iptablesUsable(opts: FirewallOptions = {}): boolean {
  try {
    runFirewall('iptables', ['-w', '5', '-t', 'filter', '-n', '-L', 'INPUT'], '', opts);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs each backend's part, then throws the first failure of a backend this host supports (one
 * error) or all of them (AggregateError). A backend whose tool is missing or unusable has nothing to
 * clean up, as in the reference.
 */
function bestEffort(backends: readonly IpMasqBackend[], opts: FirewallOptions, parts: Record<IpMasqBackend, () => void>): void {
  const steps = new BestEffort();
  const unsupported = (backend: IpMasqBackend) => (err: unknown): boolean =>
    (err instanceof FirewallError && err.notFound) || (backend === 'nftables' ? !nftUsable(opts) : !iptablesUsable(opts));
  for (const backend of backends) steps.attemptSync(parts[backend], unsupported(backend));
  steps.throwIfFailed((errors) => new AggregateError(errors, errors.map((e) => (e as Error).message).join('; ')));
}

function toCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new TypeError(`ipMasq: not an address with a prefix length: ${JSON.stringify(text)}`);
  return cidr;
}
