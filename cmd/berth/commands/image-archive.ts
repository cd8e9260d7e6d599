/**
 * `berth load`, `berth save` and `berth tag`: images in and out of Docker's and OCI's archive
 * formats (lib/runtime/image/image-archive.ts), and Docker's tagging.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { ImageStore, formatImageRef, parseImageRef } from '../../../lib/runtime/image';
import { CliError } from '../cli/errors';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';

const store = (ctx: CliContext): ImageStore => new ImageStore({ root: ctx.root, now: ctx.now, ...(ctx.stdin ? { stdin: ctx.stdin() } : {}) });

const load: CommandDef = {
  spec: {
    path: 'image load',
    aliases: ['load'],
    usage: '[OPTIONS]',
    description: 'Load an image from a tar archive (docker save\'s format or an OCI image layout; plain or gzip) or STDIN',
    maxArgs: 0,
    flags: [
      { name: 'input', short: 'i', kind: 'string', help: 'Read from tar archive file, instead of STDIN' },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the load output' },
    ],
  },
  async run(ctx, args) {
    const input = args.string('input');
    if (input === undefined && ctx.stdin === undefined) throw new CliError('requested load from stdin, but stdin is empty');
    const result = await store(ctx).load(input === undefined ? '-' : resolve(ctx.cwd, input));
    if (!args.bool('quiet')) ctx.out(result.lines.map((l) => `${l}\n`).join(''));
  },
};

const save: CommandDef = {
  spec: {
    path: 'image save',
    aliases: ['save'],
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
    minArgs: 1,
    flags: [{ name: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }],
  },
  async run(ctx, args) {
    const images = store(ctx);
    const output = args.string('output');
    if (output === undefined) {
      if (ctx.stdoutIsTTY || ctx.stdout === undefined) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      await images.save(args.positionals, ctx.stdout());
      return;
    }
    // Written beside the target and renamed: a failed save leaves no half archive under its name.
    const target = resolve(ctx.cwd, output);
    const temp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
    const file = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
    try {
      await images.save(args.positionals, file);
      file.end();
      await finished(file);
      await fs.rename(temp, target);
    } catch (err) {
      file.destroy();
      await fs.rm(temp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (err as NodeJS.ErrnoException).path === temp) {
        throw new CliError(`failed to save image: invalid output path: directory ${JSON.stringify(dirname(output))} does not exist`);
      }
      throw err;
    }
  },
};

const tag: CommandDef = {
  spec: {
    path: 'image tag',
    aliases: ['tag'],
    usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
    description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    minArgs: 2,
    maxArgs: 2,
    flags: [],
  },
  async run(ctx, args) {
    const [source, target] = args.positionals as [string, string];
    await store(ctx).tag(source, formatImageRef(parseImageRef(target)));
  },
};

/** The commands of this file. */
export const IMAGE_ARCHIVE_COMMANDS: readonly CommandDef[] = [load, save, tag];
