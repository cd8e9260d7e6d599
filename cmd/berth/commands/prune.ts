/**
 * `container prune` and `image prune`: Docker's confirmation, its report ("Deleted Containers:" /
 * "Deleted Images:", then "Total reclaimed space:"), and its choice of what goes: every container
 * that is not running (created or exited), each taken under its lock so a container being started
 * is never removed; dangling images not used by a container, or with -a every unused image.
 */
import { join } from 'node:path';
import { type ContainerRecord, removeContainer, tryLock } from '../../../lib/runtime/container';
import { ImageStore, pruneDownloads } from '../../../lib/runtime/image';
import { humanSize } from '../cli/format/units';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';
import { confirm, diskUsage, listContainers } from './shared';

const stopped = (rec: ContainerRecord): boolean => rec.state.status === 'created' || rec.state.status === 'exited' || rec.state.status === 'dead';

const containerPrune: CommandDef = {
  spec: {
    path: 'container prune',
    usage: '[OPTIONS]',
    description: 'Remove all stopped containers',
    maxArgs: 0,
    flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }],
  },
  async run(ctx, args) {
    if (!args.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return 0;
    const deps = await reconciledDeps(ctx);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rec of (await deps.containers.list()).filter(stopped)) {
      const dir = deps.containers.containerDir(rec.config.id);
      const lock = tryLock(dir);
      if (lock === undefined) continue; // being started (or removed) by another berth
      try {
        const now = await deps.containers.load(rec.config.id);
        if (now === undefined || !stopped(now)) continue;
        // The writable layer is what a container's removal gives back (Docker's SizeRw).
        const size = await diskUsage(join(dir, 'upper'));
        await removeContainer(deps, now.config, { volumes: false });
        deleted.push(now.config.id);
        reclaimed += size;
      } finally {
        lock.release();
      }
    }
    if (deleted.length > 0) ctx.out(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};

const imagePrune: CommandDef = {
  spec: {
    path: 'image prune',
    usage: '[OPTIONS]',
    description: 'Remove unused images',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
      { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, args) {
    const all = args.bool('all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!args.bool('force') && !(await confirm(ctx, warning))) return 0;
    const images = new ImageStore({ root: ctx.root });
    const used = new Set((await listContainers(ctx)).map((c) => c.config.imageId));
    const lines: string[] = [];
    let reclaimed = 0;
    for (const image of await images.list()) {
      if (used.has(image.id) || (!all && image.repoTags.length > 0)) continue;
      // By id and forced: every tag goes with it (nothing uses it, checked above and by remove).
      const removed = await images.remove(image.id, { force: true, usedBy: (id) => (used.has(id) ? ['a container'] : []) });
      // Docker's prune report spells the rmi lines in lower case.
      lines.push(...removed.map((l) => l.replace(/^Untagged:/, 'untagged:').replace(/^Deleted:/, 'deleted:')));
      if (removed.some((l) => l.startsWith('Deleted:'))) reclaimed += image.size;
    }
    // And what broken pulls left for a resume that never came.
    reclaimed += await pruneDownloads(images);
    if (lines.length > 0) ctx.out(`Deleted Images:\n${lines.map((l) => `${l}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};

/** The commands of this file. */
export const PRUNE_COMMANDS: readonly CommandDef[] = [containerPrune, imagePrune];
