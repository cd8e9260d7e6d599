import { CniError } from '../../../../lib/cni/errors';
import { formatIP, parseIP, type IP } from '../../../../lib/ip';
import type { Lease, Store, StoreSession } from '../../../../lib/ipam/store';

/**
 * A map-backed Store for allocator tests (the reference's backend/testing/fake_store.go). It records
 * whether a session is used outside its lock, and can be told the lock is busy.
 */
export class FakeStore implements Store {
  /** ip text → "containerID\r\nifname" (or the bare ID for a legacy lease). */
  readonly files = new Map<string, string>();
  readonly last = new Map<number, string>();
  locked = false;
  lockBusy = false;
  lockCount = 0;
  reserveCalls: string[] = [];

  exists(): boolean {
    return this.files.size > 0 || this.last.size > 0;
  }

  async withLock<T>(fn: (s: StoreSession) => T | Promise<T>): Promise<T> {
    if (this.lockBusy) throw new CniError(11, 'failed to lock fake: busy');
    if (this.locked) throw new Error('FakeStore: nested lock');
    this.locked = true;
    this.lockCount++;
    let open = true;
    const guard = (): void => {
      if (!open) throw new Error('FakeStore: session used after its lock was released');
    };
    const session: StoreSession = {
      leases: (): Lease[] => {
        guard();
        return [...this.files].map(([ip, text]) => {
          const [containerID, ifname] = text.split('\r\n');
          return { ip: parseIP(ip)!, containerID: containerID!, ifname };
        });
      },
      reserve: (ip: IP, containerID: string, ifname: string): boolean => {
        guard();
        this.reserveCalls.push(formatIP(ip));
        if (this.files.has(formatIP(ip))) return false;
        this.files.set(formatIP(ip), `${containerID}\r\n${ifname}`);
        return true;
      },
      release: (ip: IP): void => {
        guard();
        this.files.delete(formatIP(ip));
      },
      lastReserved: (i: number): IP | undefined => {
        guard();
        const t = this.last.get(i);
        return t === undefined ? undefined : parseIP(t);
      },
      setLastReserved: (i: number, ip: IP): void => {
        guard();
        this.last.set(i, formatIP(ip));
      },
    };
    try {
      return await fn(session);
    } finally {
      open = false;
      this.locked = false;
    }
  }
}
