/**
 * Images: what a layer costs to unpack and pack (berth's streaming unpacker, with whiteouts,
 * verification and the diff ID, against GNU tar extracting and creating the same tar), what `load`
 * and `save` of the committed fixture take, and push / pull through a real local registry against
 * curl moving the same blob. Figures only; nothing fails on a slow machine.
 *
 *     npx tsx bench/images.ts [iterations]      (or `npm run bench -- only=images`)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { packLayer, unpackLayer } from '../lib/runtime/image/layer';
import { startRegistry } from '../test/helpers/registry';
import { summarize, type BenchRow } from './stats';

const BERTH = path.resolve(__dirname, '../dist/bin/berth');
const FIXTURE = path.resolve(__dirname, '../test/fixtures/images/berth-fixture.docker.tar');

async function time(iterations: number, fn: () => Promise<unknown> | unknown, before?: () => void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    before?.();
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const row = (name: string, ours: number[], reference: number[], referenceName: string): BenchRow => ({
  name, unit: 'ms', ours: summarize(ours), reference: summarize(reference), referenceName,
});

/** A tree of `files` files of `bytes` each, in directories of 100. */
function makeTree(dir: string, files: number, bytes: number): void {
  const data = Buffer.alloc(bytes, 7);
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}`), data);
  }
}

/** Every row of the image benchmarks. */
export async function benchImages(iterations: number): Promise<BenchRow[]> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-images-'));
  const rows: BenchRow[] = [];
  try {
    for (const [label, files, bytes] of [['10,000 files of 4 KiB', 10_000, 4096], ['one 256 MiB file', 1, 256 << 20]] as const) {
      const src = path.join(base, 'src');
      makeTree(src, files, bytes);
      const tar = path.join(base, 'layer.tar');
      execFileSync('tar', ['-cf', tar, '-C', src, '.']);
      const dest = path.join(base, 'dest');
      const fresh = (): void => {
        fs.rmSync(dest, { recursive: true, force: true });
        fs.mkdirSync(dest);
      };
      const ours = await time(iterations, () => unpackLayer(fs.createReadStream(tar), dest, 'bench'), fresh);
      const gnu = await time(iterations, () => execFileSync('tar', ['-xf', tar, '-C', dest, '--numeric-owner']), fresh);
      rows.push(row(`unpack ${label}`, ours, gnu, 'GNU tar -x'));
      // Both write the tar to a file: GNU tar writing to /dev/null skips reading the files at all.
      const packed = path.join(base, 'packed.tar');
      const packOurs = await time(iterations, () => pipeline(packLayer(src), fs.createWriteStream(packed)));
      const packGnu = await time(iterations, () => execFileSync('tar', ['-cf', packed, '-C', src, '.']));
      rows.push(row(`pack ${label}`, packOurs, packGnu, 'GNU tar -c'));
      fs.rmSync(src, { recursive: true, force: true });
      fs.rmSync(dest, { recursive: true, force: true });
    }

    // The CLI on the committed fixture: load (verify, unpack two layers, commit) and save.
    const env = { ...process.env, BERTH_ROOT: path.join(base, 'root'), BERTH_RUN: path.join(base, 'run'), BERTH_CNI_DIR: path.join(base, 'cni') };
    const berth = (...args: string[]): void => {
      const r = spawnSync(BERTH, args, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stderr}`);
    };
    const load = await time(iterations, () => berth('load', '-q', '-i', FIXTURE), () => fs.rmSync(env.BERTH_ROOT, { recursive: true, force: true }));
    const untar = await time(iterations, () => execFileSync('tar', ['-xf', FIXTURE, '-C', path.join(base, 'x')]), () => {
      fs.rmSync(path.join(base, 'x'), { recursive: true, force: true });
      fs.mkdirSync(path.join(base, 'x'));
    });
    rows.push(row('berth load of the fixture (1 MiB, 2 layers)', load, untar, 'tar -x of the archive'));
    const out = path.join(base, 'saved.tar');
    const save = await time(iterations, () => berth('save', '-o', out, 'berth-fixture:1.0'));
    const copy = await time(iterations, () => fs.copyFileSync(FIXTURE, path.join(base, 'copy.tar')));
    rows.push(row('berth save of the fixture', save, copy, 'cp of the archive'));

    // Push and pull of a 64 MiB layer through the local registry; curl moves the same blob.
    const registry = await startRegistry();
    try {
      const src = path.join(base, 'big');
      fs.mkdirSync(src);
      fs.writeFileSync(path.join(src, 'blob'), Buffer.from(Array.from({ length: 64 << 20 }, (_, i) => (i * 2654435761) >>> 24)));
      const ref = `${registry.host}/bench/big:1`;
      berth('image', 'import', '--dir', src, ref);
      const regEnv = { BERTH_INSECURE_REGISTRIES: registry.host };
      Object.assign(env, regEnv);
      // A new repository each time: the registry has no blob there, so the layer is uploaded whole.
      let n = 0;
      const push = await time(iterations, () => berth('push', `${registry.host}/bench/push${n}:1`), () => berth('tag', ref, `${registry.host}/bench/push${++n}:1`));
      const layer = JSON.parse(execFileSync(BERTH, ['image', 'inspect', ref], { env, encoding: 'utf8' }))[0].RootFS.Layers[0] as string;
      const blobPath = path.join(env.BERTH_ROOT, 'images/blobs/sha256', layer.slice(7));
      // curl's monolithic upload: POST for a session, PUT of the bytes with the digest.
      const curlUpload = (): void => {
        const head = execFileSync('curl', ['-sf', '-X', 'POST', '-o', '/dev/null', '-D', '-', `${registry.url}/v2/bench/curl/blobs/uploads/`], { encoding: 'utf8' });
        const url = new URL(/^location: (\S+)/im.exec(head)![1]!, registry.url);
        url.searchParams.set('digest', layer);
        execFileSync('curl', ['-sf', '-X', 'PUT', '-H', 'content-type: application/octet-stream', '--data-binary', `@${blobPath}`, '-o', '/dev/null', url.toString()]);
      };
      const curlPush = await time(iterations, curlUpload);
      berth('push', ref);
      rows.push(row('berth push of a 64 MiB layer', push, curlPush, 'curl upload of the blob'));
      const pullRoot = path.join(base, 'pulled');
      const pull = await time(iterations, () => berth('pull', '-q', ref), () => {
        fs.rmSync(pullRoot, { recursive: true, force: true });
        env.BERTH_ROOT = pullRoot;
      });
      const curlPull = await time(iterations, () => execFileSync('curl', ['-sf', '-o', path.join(base, 'got'), `${registry.url}/v2/bench/big/blobs/${layer}`]));
      rows.push(row('berth pull of a 64 MiB layer (download, verify, unpack)', pull, curlPull, 'curl download of the blob'));
    } finally {
      await registry.destroy();
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1]?.endsWith('images.ts')) {
  void (async () => {
    const { printRows } = await import('./stats');
    printRows('Images', await benchImages(Number(process.argv[2] ?? 10)));
  })().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
