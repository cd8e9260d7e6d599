import { EtcdStore, FileStore, type SubnetStore } from '../../lib/overlay';
import type { StoreSpec } from './config';

/** Opens the store named by `--store`; `prefix` applies to etcd (the file store has no keys). */
export function openStore(spec: StoreSpec, prefix: string): SubnetStore {
  if (spec.kind === 'file') return new FileStore({ path: spec.path });
  return new EtcdStore({ hosts: [...spec.endpoints], prefix });
}
