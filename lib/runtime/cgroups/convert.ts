/**
 * Conversions from v1 (Docker/OCI) units to cgroup v2 files, as runc's opencontainers/cgroups does,
 * so a container gets the same relative weight whichever hierarchy the host runs.
 */

/**
 * `cpu.shares` (2..262144, default 1024) to `cpu.weight` (1..10000, default 100).
 * runc ≥ 1.3.2 uses a quadratic in log2(shares) that maps 2→1, 1024→100 and 262144→10000 exactly;
 * the older linear formula turned the default 1024 into 39, a lower weight than a plain v2 cgroup.
 * 0 means unset and stays 0.
 */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
}

/** `blkio.weight` (10..1000) to `io.weight` (1..10000), linearly as runc does; 0 means unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/**
 * Docker's `--memory-swap` (memory plus swap) to v2's `memory.swap.max` (swap alone).
 * -1 is unlimited ("max"); undefined when there is nothing to write.
 */
export function memorySwapToV2(memory: number | undefined, memorySwap: number | undefined): string | undefined {
  if (memorySwap === undefined) return undefined;
  if (memorySwap === -1) return 'max';
  if (memory === undefined || memory === -1) return undefined; // validation refuses this combination
  return String(memorySwap - memory);
}

/** `--pids-limit` as pids.max spells it in both versions: Docker treats 0 and below as unlimited. */
export function pidsMaxValue(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}
