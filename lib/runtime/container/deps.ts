/**
 * Everything a container operation needs, built once per berth command: the paths and the stores.
 * Operations take it as their first argument, so tests build one over throwaway directories.
 */
import { CniRuntime } from '../../cni/runtime';
import { ImageStore } from '../image';
import { NetworkStore } from '../network';
import { VolumeStore } from '../storage/volume-store';
import type { RuntimePaths } from './paths';
import { ContainerStore } from './store';

/** The runtime's dependencies. */
export interface RuntimeDeps {
  readonly paths: RuntimePaths;
  readonly containers: ContainerStore;
  readonly images: ImageStore;
  readonly volumes: VolumeStore;
  readonly networks: NetworkStore;
  readonly cni: CniRuntime;
}

/** The real stores under `paths`. */
export function runtimeDeps(paths: RuntimePaths): RuntimeDeps {
  const containers = new ContainerStore(paths.root);
  return {
    paths,
    containers,
    images: new ImageStore({ root: paths.root }),
    // Volume "in use" needs the container list, which is async; callers that remove volumes pass it
    // through VolumeStore's own usedBy option instead (cmd/berth).
    volumes: new VolumeStore({ root: paths.root }),
    networks: new NetworkStore({ root: paths.root, cniDir: paths.cniDir }),
    cni: new CniRuntime({ pluginPaths: paths.cniPath, cacheDir: paths.cniDir }),
  };
}
