/**
 * `berth image import|busybox|ls|rm|inspect` (and the `images` / `rmi` shortcuts): Docker's image
 * commands over berth's ImageStore. Images also come from archives (image-archive.ts: load, save,
 * tag) and registries (image-registry.ts: pull, push, login).
 */
import { ImageStore, type ImageInfo, parseImageRef } from '../../../lib/runtime/image';
import { formatInspect } from '../cli/container-inspect';
import { createdColumn, shortId } from '../cli/format/container-columns';
import { renderFormat } from '../cli/format/template';
import { humanSize } from '../cli/format/units';
import { CliError, daemonRefusalText } from '../cli/errors';
import type { CliContext } from '../context';
import type { CommandDef, GroupDef } from '../registry';
import { applyChanges } from './image-change';
import { filterBool, forEachArg, listContainers, parseFilters } from './shared';

/** The `image` management group. */
export const IMAGE_GROUP: GroupDef = { name: 'image', description: 'Manage images' };

const store = (ctx: CliContext): ImageStore => new ImageStore({ root: ctx.root, now: ctx.now });

const importCmd: CommandDef = {
  spec: {
    path: 'image import',
    aliases: ['import'],
    usage: '[OPTIONS] FILE|- REPOSITORY[:TAG]  |  --dir DIR REPOSITORY[:TAG]',
    description: 'Import a root filesystem from a tarball (plain, gzip, bzip2 or xz; "-" reads stdin) or a directory to create an image',
    minArgs: 1,
    maxArgs: 2,
    flags: [
      { name: 'change', short: 'c', kind: 'list', help: 'Apply a Dockerfile instruction to the image (CMD, ENTRYPOINT, ENV, WORKDIR)' },
      { name: 'dir', kind: 'string', help: 'Import a copy of this directory instead of a tarball (then the only argument is the reference)' },
    ],
  },
  async run(ctx, args) {
    const config = applyChanges(args.list('change'));
    const dir = args.string('dir');
    let info: ImageInfo;
    if (dir !== undefined) {
      if (args.positionals.length !== 1) throw new CliError('"berth image import --dir DIR" requires exactly 1 argument: the reference', { seeHelp: true });
      info = await store(ctx).importDir(dir, args.positionals[0]!, { config });
    } else {
      const [file, ref] = args.positionals as [string, string | undefined];
      // berth keeps no untagged imports: an image without a name could only be removed by id.
      if (ref === undefined) throw new CliError('"berth image import FILE" requires a REPOSITORY[:TAG] to name the image', { seeHelp: true });
      info = await store(ctx).importTar(file, ref, { config });
    }
    ctx.out(`sha256:${info.id}\n`);
  },
};

const busybox: CommandDef = {
  spec: {
    path: 'image busybox',
    usage: '[OPTIONS] [REPOSITORY[:TAG]]',
    description: 'Build a busybox image from the host\'s statically linked busybox (default name "busybox:latest")',
    maxArgs: 1,
    flags: [{ name: 'busybox', kind: 'string', defaultText: '/bin/busybox', help: 'Path of the static busybox binary' }],
  },
  async run(ctx, args) {
    const info = await store(ctx).createBusybox(args.positionals[0] ?? 'busybox', args.string('busybox') ?? undefined);
    ctx.out(`sha256:${info.id}\n`);
  },
};

const LS_HEADERS = {
  Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', Digest: 'DIGEST',
};

/** Docker's reference filter: a glob over `name` or `name:tag` (`*` never crosses a `/`). */
function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(text);
}

/** The manifest digest the image has in repository `name` (`docker images --digests`). */
function digestFor(repoDigests: readonly string[], name: string): string {
  return repoDigests.find((d) => d.startsWith(`${name}@`))?.slice(name.length + 1) ?? '<none>';
}

const ls: CommandDef = {
  spec: {
    path: 'image ls',
    aliases: ['image list', 'images'],
    usage: '[OPTIONS] [REPOSITORY[:TAG]]',
    description: 'List images',
    maxArgs: 1,
    flags: [
      { name: 'all', short: 'a', kind: 'bool', help: 'Show all images (berth has no intermediate images: same as without)' },
      { name: 'digests', kind: 'bool', help: 'Show digests' },
      { name: 'filter', short: 'f', kind: 'list', valueType: 'filter', help: 'Filter output based on conditions provided (dangling=true|false, reference=PATTERN)' },
      { name: 'format', kind: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
    ],
  },
  async run(ctx, args) {
    const filters = parseFilters(args.list('filter'), ['dangling', 'reference']);
    const references = [...(filters.get('reference') ?? []), ...args.positionals];
    const now = ctx.now();
    const noTrunc = args.bool('no-trunc');
    const rows: { fields: Record<string, string> }[] = [];
    for (const image of await store(ctx).list()) {
      const dangling = image.repoTags.length === 0;
      const wanted = filters.get('dangling');
      if (wanted && !wanted.some((w) => filterBool('dangling', w) === dangling)) continue;
      const id = noTrunc ? `sha256:${image.id}` : shortId(image.id);
      const tags = dangling ? [undefined] : image.repoTags;
      for (const tag of tags) {
        const ref = tag === undefined ? { name: '<none>', tag: '<none>' } : parseImageRef(tag);
        if (references.length > 0 && (tag === undefined || !references.some((p) => globMatch(p, ref.name) || globMatch(p, `${ref.name}:${ref.tag}`)))) continue;
        rows.push({
          fields: {
            Repository: ref.name, Tag: ref.tag, ID: id, CreatedSince: createdColumn(image.created, now), CreatedAt: image.created,
            Size: humanSize(image.size, 3), Digest: digestFor(image.repoDigests, ref.name),
          },
        });
      }
    }
    if (args.bool('quiet')) {
      ctx.out([...new Set(rows.map((r) => r.fields.ID))].map((id) => `${id}\n`).join(''));
      return;
    }
    const table = args.bool('digests') ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}' : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    ctx.out(renderFormat(args.string('format'), table, rows, LS_HEADERS));
  },
};

/** Container ids by the image id they were created from. */
async function imageUsers(ctx: CliContext): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const c of await listContainers(ctx)) users.set(c.config.imageId, [...(users.get(c.config.imageId) ?? []), c.config.id]);
  return users;
}

const rm: CommandDef = {
  spec: {
    path: 'image rm',
    aliases: ['image remove', 'rmi'],
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Remove one or more images',
    minArgs: 1,
    flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' }],
  },
  async run(ctx, args) {
    const users = await imageUsers(ctx);
    const images = store(ctx);
    return forEachArg(ctx, args.positionals, async (ref) => {
      const lines = await images.remove(ref, { force: args.bool('force'), usedBy: (id) => users.get(id) ?? [] });
      ctx.out(lines.map((l) => `${l}\n`).join(''));
    });
  },
};

/** Docker's `docker image inspect` element for one image (the fields berth has). */
export function dockerImageInspect(image: ImageInfo, lowerdirs: readonly string[]): Record<string, unknown> {
  const c = image.config;
  return {
    Id: `sha256:${image.id}`,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Parent: '',
    Comment: '',
    Created: image.created,
    DockerVersion: '',
    Author: '',
    Config: {
      User: c.User ?? '',
      ExposedPorts: c.ExposedPorts ?? null,
      Env: c.Env,
      Cmd: c.Cmd.length > 0 ? c.Cmd : null,
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir,
      Entrypoint: c.Entrypoint,
      Labels: null,
    },
    Architecture: image.architecture,
    Os: image.os,
    Size: image.size,
    GraphDriver: { Data: lowerdirs.length === 1 ? { RootDir: lowerdirs[0] } : { LowerDir: lowerdirs.join(':') }, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: image.layers.length > 0 ? image.layers : [`sha256:${image.id}`] },
  };
}

const inspect: CommandDef = {
  spec: {
    path: 'image inspect',
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Display detailed information on one or more images',
    minArgs: 1,
    flags: [],
  },
  async run(ctx, args) {
    const images = store(ctx);
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const ref of args.positionals) {
      try {
        const image = await images.resolve(ref);
        found.push(dockerImageInspect(image, images.lowerdirs(image.id)));
      } catch (err) {
        const text = daemonRefusalText(err);
        if (text === undefined) throw err;
        errors.push(text);
      }
    }
    ctx.out(formatInspect(found));
    for (const e of errors) ctx.err(e);
    return errors.length > 0 ? 1 : 0;
  },
};

/** Every image command. */
export const IMAGE_COMMANDS: readonly CommandDef[] = [importCmd, busybox, ls, rm, inspect];
