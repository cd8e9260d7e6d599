/**
 * What a v1 controller file provides. Each controller owns its files; the manager only walks the list,
 * so adding one (hugetlb, rdma) never touches the others.
 */
import type { CgroupFs } from '../fs';
import type { V1Controller } from '../detect';
import type { CgroupStats } from '../manager';
import type { Resources } from '../resources';

/** One v1 controller's policy. `dir` is the container's directory in that controller's hierarchy. */
export interface V1ControllerOps {
  readonly name: V1Controller;
  /** The first `berth run` flag in `r` that needs this controller, so a missing mount is reported by flag. */
  neededBy(r: Resources): string | undefined;
  /** Creates the directory; the default is a mkdir -p. `root` is the controller's mount point. */
  create?(cfs: CgroupFs, root: string, relPath: string): void;
  /** Writes the controller's files for `r`. */
  apply(cfs: CgroupFs, dir: string, r: Resources): void;
  /** Fills this controller's part of the stats. */
  stats?(cfs: CgroupFs, dir: string, out: CgroupStats): void;
}
