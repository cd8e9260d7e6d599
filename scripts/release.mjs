// `npm run release` (after `npm run build`): the form that needs no Node on the node. One single
// executable application (Node's SEA: this node binary with a blob injected by postject) holds every
// executable's bundle, V8 code cache and the koffi addon as node:sea assets; its main script
// (scripts/templates/loader.cjs, sea form) dispatches on the name it was started as, like busybox.
// Shipped like the reference's cni-plugins-linux-amd64-<version>.tgz: a flat directory of executables,
// here hard links to the one binary, with a SHA256SUMS inside and <tgz>.sha256 beside it, in dist/release/.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const { inject } = require('postject');
const parts = path.join(root, 'dist', 'parts');
const out = path.join(root, 'dist', 'release');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
/** The name of the multi-call binary itself; the executables are hard links to it. */
const MULTICALL = 'berth-multicall';
/**
 * The binary's last line lists the plugins it holds (lib/cni/berth-plugin.ts reads the file's tail, without
 * executing it, to know that a host-local in CNI_PATH is ours). Bytes after the ELF image are never mapped:
 * neither the kernel nor the SEA (which finds its blob in the mapped program headers) sees them.
 */
const pluginsTrailer = (plugins) => `\nberth-plugins ${plugins.join(' ')}\n`;

if (!fs.existsSync(path.join(parts, 'koffi.node'))) throw new Error('dist/parts is missing: run `npm run build` first');
const names = fs.readdirSync(parts).filter((f) => f.endsWith('.cache')).map((f) => f.slice(0, -'.cache'.length)).sort();
const plugins = names.filter((n) => fs.existsSync(path.join(root, 'plugins', n === 'host-local' ? 'host-local-ipam' : n)));
const addon = fs.readFileSync(path.join(parts, 'koffi.node'));

const work = fs.mkdtempSync(path.join(root, 'dist', '.release-'));
try {
  const main = path.join(work, 'main.cjs');
  fs.writeFileSync(main, fs.readFileSync(path.join(root, 'scripts', 'templates', 'loader.cjs'), 'utf8')
    .replace("'@FORM@'", "'sea'").replace("'@NAME@'", 'undefined').replace('@NAMES@', names.join(','))
    .replace('@ADDON_SHA256@', createHash('sha256').update(addon).digest('hex'))
    .replace('@BUNDLE@', '').replace('@CACHE@', '').replace('@ADDON@', ''));
  const assets = { addon: path.join(parts, 'koffi.node') };
  for (const n of names) {
    assets[`${n}.bundle`] = path.join(parts, `${n}.js`);
    // Made by the Node form's VERSION run with this same node: V8 accepts it in the SEA too.
    assets[`${n}.cache`] = path.join(parts, `${n}.cache`);
  }
  const blob = path.join(work, 'sea.blob');
  fs.writeFileSync(path.join(work, 'sea-config.json'), JSON.stringify({
    main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets,
  }));
  execFileSync(process.execPath, ['--experimental-sea-config', path.join(work, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

  const exe = path.join(work, MULTICALL);
  fs.copyFileSync(process.execPath, exe);
  await inject(exe, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });
  fs.appendFileSync(exe, pluginsTrailer(plugins));
  fs.chmodSync(exe, 0o755);

  const dir = path.join(work, 'tree');
  fs.mkdirSync(dir);
  fs.renameSync(exe, path.join(dir, MULTICALL));
  for (const n of names) fs.linkSync(path.join(dir, MULTICALL), path.join(dir, n));
  const sha = createHash('sha256').update(fs.readFileSync(path.join(dir, MULTICALL))).digest('hex');
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), [MULTICALL, ...names].sort().map((n) => `${sha}  ${n}\n`).join(''));

  fs.mkdirSync(out, { recursive: true });
  const tgz = `berth-cni-linux-amd64-v${version}.tgz`;
  // Flat, as the reference's: `./bridge`, `./host-local`, ...; tar keeps the hard links as links.
  execFileSync('tar', ['czf', path.join(work, tgz), '--owner=0', '--group=0', '--numeric-owner', '--sort=name', '-C', dir, '.']);
  const tgzSha = createHash('sha256').update(fs.readFileSync(path.join(work, tgz))).digest('hex');
  fs.writeFileSync(path.join(work, `${tgz}.sha256`), `${tgzSha}  ${tgz}\n`);
  for (const f of [tgz, `${tgz}.sha256`]) fs.renameSync(path.join(work, f), path.join(out, f));
  console.error(`released ${names.join(', ')} as ${path.relative(root, path.join(out, tgz))} (${fs.statSync(path.join(out, tgz)).size} bytes)`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
