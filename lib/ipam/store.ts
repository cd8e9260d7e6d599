import type { IP } from '../ip';

/**
 * One reserved address and its owner. `ifname` is undefined for a legacy lease, written by
 * reference releases before 0.7 with the container ID alone; such a lease belongs to every
 * interface of that container.
 */
export interface Lease {
  readonly ip: IP;
  readonly containerID: string;
  readonly ifname: string | undefined;
  /**
   * Set when the store holds something at this address that is not a lease it can read (a directory,
   * a symlink, a socket: another tool's, or an operator's): the address is taken, and by nobody this
   * plugin may release it for (containerID is empty), so GC leaves it alone. An address is never free
   * because its entry could not be understood.
   */
  readonly foreign?: string;
}

/**
 * The store's operations, valid only while its lock is held: a session is handed to the callback of
 * `Store.withLock` and must not be kept past it. Methods are synchronous: each is one or two system
 * calls, and no other process can interleave while the lock is held.
 */
export interface StoreSession {
  /** Every lease, read afresh (leases not written by this process may have come and gone). */
  leases(): Lease[];
  /**
   * Reserves `ip` for (containerID, ifname). Returns false when the address is already reserved;
   * never overwrites an existing reservation, lock or no lock.
   */
  reserve(ip: IP, containerID: string, ifname: string): boolean;
  /** Removes the reservation of `ip` (whoever holds it); a missing one is not an error. */
  release(ip: IP): void;
  /** The last address handed out from range set `index` (the round-robin cursor), if known. */
  lastReserved(index: number): IP | undefined;
  /** Moves range set `index`'s round-robin cursor. */
  setLastReserved(index: number, ip: IP): void;
}

/**
 * Persistence for the allocator (policy lives in allocator.ts). The only way to reach the data is
 * through `withLock`, so a caller cannot forget the lock, and a lock that cannot be taken is an
 * error thrown from `withLock`, never ignored (the reference's `store.Lock()` result is dropped).
 */
export interface Store {
  /**
   * Runs `fn` holding the store's exclusive lock, and releases the lock when `fn` settles. Throws a
   * CniError with code 11 when the lock is still held by someone else after the store's timeout.
   */
  withLock<T>(fn: (session: StoreSession) => T | Promise<T>): Promise<T>;
  /** False when the store holds nothing yet (so DEL, GC and STATUS need not create it). */
  exists(): boolean;
}
