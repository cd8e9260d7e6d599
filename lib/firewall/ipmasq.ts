/**
 * Per-attachment masquerade (the bridge's `ipMasq`), over either netfilter front end, compatible with
 * the reference's `SetupIPMasqForNetworks` / `TeardownIPMasqForNetworks` / `GCIPMasqForNetwork`.
 * Everything is keyed by (network, container ID, ifname): teardown and GC need no address, no netns
 * and no prevResult, which closes the reference's leak when DEL comes without CNI_NETNS.
 */
import { CniCode, CniError } from '../cni/errors';
import { parseCidr, type Cidr, type Family } from '../ip';
import { formatChainName, nftInstanceHash, parseNftComment } from './names';
import { listIptablesMasq, removeIptablesChains, setupIptablesMasq } from './iptables';
import { listNftMasq, nftUsable, removeNftMasq, setupNftMasq, teardownNftMasq } from './nftables';
import { FirewallError, runFirewall, type FirewallOptions } from './run';

/** The two backends, spelled as the bridge's `ipMasqBackend` key spells them. */
export type IpMasqBackend = 'iptables' | 'nftables';
const BACKENDS: readonly IpMasqBackend[] = ['iptables', 'nftables'];

/** Who the rules belong to. The iptables backend ignores ifname, as the reference does. */
export interface IpMasqAttachment {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
}

/** What to masquerade: the attachment's addresses as `ip/prefix` (a CNI result's `ips[].address`). */
export interface IpMasqRequest extends IpMasqAttachment {
  readonly ips: readonly string[];
  /** `ipMasqBackend` from the config; unset picks iptables unless only nftables is usable. */
  readonly backend?: string | undefined;
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
  /** nftables only: the iptables chain is shared by all interfaces of a container. */
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
 * @throws {CniError} code 7 for any other value
 */
export function selectIpMasqBackend(requested: string | undefined, opts: FirewallOptions = {}): IpMasqBackend {
  if (requested !== undefined) return checkBackend(requested);
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
  const cidrs = req.ips.map(toCidr);
  const exclude = (req.exclude ?? []).map(toCidr);
  const backend = req.backend === undefined ? undefined : checkBackend(req.backend);
  if (backend === 'nftables') {
    setupNftMasq(req.network, req.ifname, req.containerId, cidrs, opts, exclude);
    return 'nftables';
  }
  try {
    for (const family of [4, 6] as const) {
      setupIptablesMasq(family, req.network, req.containerId, cidrs.filter((c) => c.ip.family === family), opts, exclude);
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
 * configuration or from the reference plugin), IPv4 and IPv6. Missing rules, tables or tools are
 * success; every backend is tried before the first error is reported.
 */
export function teardownIpMasq(att: IpMasqAttachment, opts: FirewallOptions & { backends?: readonly IpMasqBackend[] } = {}): void {
  const chain = new Set([formatChainName(att.network, att.containerId)]);
  bestEffort(opts.backends ?? BACKENDS, opts, {
    iptables: () => [4, 6].forEach((f) => removeIptablesChains(f as Family, chain, opts)),
    nftables: () => teardownNftMasq(att.network, att.ifname, att.containerId, opts),
  });
}

/** Lists the attachments of `network` that have masquerade rules, in both backends. */
export function listIpMasq(network: string, opts: FirewallOptions = {}): IpMasqEntry[] {
  const out: IpMasqEntry[] = [];
  bestEffort(BACKENDS, opts, {
    iptables: () => {
      for (const family of [4, 6] as const) {
        for (const c of listIptablesMasq(family, network, opts)) out.push({ backend: 'iptables', containerId: c.containerId, family, key: c.chain });
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
 * `cni.dev/valid-attachments`), and returns what it removed. An iptables chain is kept while any
 * interface of its container is valid, since the chain is per container.
 */
export function gcIpMasq(network: string, valid: readonly Omit<IpMasqAttachment, 'network'>[], opts: FirewallOptions = {}): IpMasqEntry[] {
  const keep = new Set<string>();
  for (const v of valid) keep.add(formatChainName(network, v.containerId)).add(nftInstanceHash(network, v.ifname, v.containerId));
  const stale = listIpMasq(network, opts).filter((e) => !keep.has(e.key));
  bestEffort(BACKENDS, opts, {
    iptables: () => {
      for (const family of [4, 6] as const) {
        removeIptablesChains(family, new Set(stale.filter((e) => e.family === family).map((e) => e.key)), opts);
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
  const errors: unknown[] = [];
  for (const backend of backends) {
    try {
      parts[backend]();
    } catch (err) {
      if (err instanceof FirewallError && err.notFound) continue;
      if (backend === 'nftables' ? !nftUsable(opts) : !iptablesUsable(opts)) continue;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => (e as Error).message).join('; '));
}

function checkBackend(name: string): IpMasqBackend {
  if ((BACKENDS as readonly string[]).includes(name)) return name as IpMasqBackend;
  throw new CniError(CniCode.InvalidNetworkConfig, `invalid config: /ipMasqBackend: unknown ipmasq backend ${JSON.stringify(name)} (want "iptables" or "nftables")`);
}

function toCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new TypeError(`ipMasq: not an address with a prefix length: ${JSON.stringify(text)}`);
  return cidr;
}
