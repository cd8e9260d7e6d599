// `npm run build`: compile the config schemas, type-check, and bundle every executable (plugins/*/main.ts
// and cmd/*/main.ts) into ONE self-contained file dist/bin/<name> that needs only `node` on PATH: a small
// loader (scripts/templates/loader.cjs) followed by the bundle, its V8 code cache and the koffi addon.
// Copied alone, renamed, symlinked or hard-linked into any directory (an installer's /opt/cni/bin), it
// still runs. A plugin is exec'd once per container, so start-up is the budget: koffi's JS loader
// (platform probing, 8-20 ms) is replaced by a shim that asks the loader for the prebuilt koffi.node.
// The parts are also kept in dist/parts/ for `npm run release` (scripts/release.mjs, the no-Node form).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { compileSchemas } from './compile-schemas.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(root, 'dist', 'bin');
const schemasOnly = process.argv.includes('--schemas-only');

/** Executable names that differ from their source directory (the reference plugin is `host-local`). */
const EXECUTABLE_NAMES = { 'host-local-ipam': 'host-local' };

compileSchemas(root);
if (schemasOnly) process.exit(0);

// `--no-typecheck` bundles without tsc (a quick rebuild while some other file is mid-edit); `npm test` always type-checks.
if (!process.argv.includes('--no-typecheck')) {
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
}

const entries = [];
for (const group of ['plugins', 'cmd']) {
  const dir = path.join(root, group);
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const main = path.join(dir, name, 'main.ts');
    if (fs.existsSync(main)) entries.push({ main, name: EXECUTABLE_NAMES[name] ?? name });
  }
}

fs.mkdirSync(outDir, { recursive: true });

/**
 * Every output is written under a temporary name and renamed into place: a plugin being exec'd (by a
 * test, a benchmark or a kubelet) while we rebuild keeps running the file it opened, and never sees a
 * missing or half-written one.
 */
function install(name, contents, mode = 0o644) {
  const tmp = path.join(outDir, `${name}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, contents, { mode });
  fs.renameSync(tmp, path.join(outDir, name));
}

const require = createRequire(import.meta.url);
const addon = fs.readFileSync(require.resolve('@koromix/koffi-linux-x64/linux_x64/koffi.node'));

const koffiShim = {
  name: 'koffi-native-shim',
  setup(build) {
    build.onResolve({ filter: /^koffi$/ }, () => ({ path: 'koffi', namespace: 'koffi-shim' }));
    build.onLoad({ filter: /.*/, namespace: 'koffi-shim' }, () => ({
      // The loader's require answers this id with the addon it extracted (scripts/templates/loader.cjs).
      contents: "module.exports = require('#berth-koffi-addon');",
      loader: 'js',
    }));
    build.onResolve({ filter: /^#berth-koffi-addon$/ }, () => ({ path: '#berth-koffi-addon', external: true }));
  },
};

/**
 * etcd3 (berthd's etcd store) loads its gRPC definitions at run time from `${__dirname}/../proto`,
 * relative to its own file in node_modules. A single file has no directory of its own: the definitions
 * are parsed here, with the options etcd3 passes, into a JSON descriptor that the bundle loads with
 * @grpc/proto-loader's fromJSON.
 */
const protoOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const protoSource = path.join(path.dirname(require.resolve('etcd3/package.json')), 'proto', 'rpc.proto');
const protoJson = JSON.stringify(require('@grpc/proto-loader/build/src/util.js').loadProtosWithOptionsSync(protoSource, protoOptions).toJSON());
const etcd3Proto = {
  name: 'etcd3-proto',
  setup(build) {
    build.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const pointed = source.replace('(0, proto_loader_1.loadSync)(`${__dirname}/../proto/rpc.proto`, {', `(0, proto_loader_1.fromJSON)(${protoJson}, {`);
      if (pointed === source) throw new Error('etcd3 changed how it loads rpc.proto: update the etcd3-proto build plugin');
      return { contents: pointed, loader: 'js' };
    });
  },
};

const results = await Promise.all(entries.map(({ main, name }) => esbuild.build({
  entryPoints: [main],
  outfile: path.join(root, 'dist', 'parts', `${name}.js`),
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  plugins: [koffiShim, etcd3Proto],
  logLevel: 'warning',
})));
const loader = fs.readFileSync(path.join(root, 'scripts', 'templates', 'loader.cjs'), 'utf8');
const addonSha256 = createHash('sha256').update(addon).digest('hex');
// Node reads and scans the whole file on every start; the addon is needed only on its first, so it
// travels brotli-compressed (1.1 MB to ~0.4 MB) and is unpacked when it is written out.
const packedAddon = brotliCompressSync(addon, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } });

/**
 * One executable: `#!/usr/bin/env node`, `// berth-plugin <name>` (lib/cni/berth-plugin.ts: bridge runs
 * host-local in-process when the host-local in CNI_PATH is ours), the loader with the parts' offsets,
 * then the parts (the addon brotli-compressed) base64 in one block comment (base64 has no `*`, so no `*\/` inside).
 */
function singleFile(name, bundle, cache) {
  const b64 = [bundle, cache, packedAddon].map((b) => b.toString('base64'));
  const fill = (layout) => `#!/usr/bin/env node\n// berth-plugin ${name}\n${loader
    .replace("'@FORM@'", "'file'").replace('@NAME@', name).replace('@NAMES@', name).replace('@ADDON_SHA256@', addonSha256)
    .replace('@BUNDLE@', layout[0]).replace('@CACHE@', layout[1]).replace('@ADDON@', layout[2])}/*\n`;
  // Fixed-width numbers: the head's length does not depend on the offsets written into it.
  const num = (n) => String(n).padStart(10, ' ');
  let offset = Buffer.byteLength(fill([0, 0, 0].map(() => `${num(0)}, ${num(0)}`)));
  const layout = b64.map((s) => {
    const at = `${num(offset)}, ${num(s.length)}`;
    offset += s.length + 1;
    return at;
  });
  return `${fill(layout)}${b64.join('\n')}\n*/\n`;
}

/**
 * esbuild turns `import fs from 'node:fs'` into `__toESM(require("node:fs"))`, which copies every
 * export of the module onto a new object as a getter, for each of the ~20 such imports (fs alone has
 * ~100 exports): the bundle's load phase went from 7.8 to 7.4 ms p50 (BERTH_PHASES, 40 VERSION runs).
 * A Node built-in is a plain CommonJS object that never changes shape, so an object whose prototype
 * is the module and whose `default` is the module serves `fs.x` and `fs.default.x` alike without
 * copying anything.
 */
function viewBuiltins(code) {
  const helper = 'var __berthBuiltin = (mod) => Object.create(mod, { default: { value: mod, enumerable: true } });\n';
  const out = code.replace(/__toESM\(require\("(node:[a-z_/]+)"\)\)/g, '__berthBuiltin(require("$1"))');
  if (out === code) return code;
  // After the "use strict" prologue, if any, so that it stays a prologue.
  const m = /^(#![^\n]*\n)?(\s*(["'])use strict\3;?\n)?/.exec(out);
  return out.slice(0, m[0].length) + helper + out.slice(m[0].length);
}

const partsDir = path.join(root, 'dist', 'parts');
fs.mkdirSync(partsDir, { recursive: true });
fs.writeFileSync(path.join(partsDir, 'koffi.node'), addon);
await Promise.all(entries.map(async ({ main, name }, i) => {
  const bundle = Buffer.from(viewBuiltins(results[i].outputFiles[0].text));
  // The code cache is made by one run of the executable without one: a plugin answers VERSION; a cmd
  // entry gets `--help`, so a daemon prints its usage and exits instead of starting to serve (it may
  // exit non-zero, e.g. berth-init without its sync socket): either way the run compiles its start-up path.
  const plugin = main.startsWith(path.join(root, 'plugins'));
  const first = path.join(partsDir, `${name}.first`);
  const cacheFile = path.join(partsDir, `${name}.cache`);
  fs.writeFileSync(first, singleFile(name, bundle, Buffer.alloc(0)), { mode: 0o755 });
  fs.rmSync(cacheFile, { force: true });
  const run = await new Promise((resolve) => {
    const child = spawn(process.execPath, [first, ...(plugin ? [] : ['--help'])], {
      env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION', BERTH_WRITE_CODE_CACHE: cacheFile, ...(process.env.BERTH_ADDON_DIR ? { BERTH_ADDON_DIR: process.env.BERTH_ADDON_DIR } : {}) },
      stdio: ['pipe', 'ignore', plugin ? 'inherit' : 'ignore'],
      timeout: 20_000,
    });
    child.stdin.end('{"cniVersion":"1.1.0"}');
    child.on('close', (status) => resolve(status));
  });
  if (plugin && run !== 0) throw new Error(`${name} VERSION failed while writing its code cache (status ${run})`);
  fs.rmSync(first);
  fs.writeFileSync(path.join(partsDir, `${name}.js`), bundle);
  install(name, singleFile(name, bundle, fs.readFileSync(cacheFile)), 0o755);
}));
// Executables whose source is gone are removed, and so is the multi-file layout of earlier builds
// (lib/, proto/, koffi.node), so dist/bin never offers a stale plugin.
const names = entries.map((e) => e.name);
const keep = new Set(names);
for (const f of fs.readdirSync(outDir)) if (!keep.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(outDir, f), { recursive: true });
const keepParts = new Set(['koffi.node', ...names.flatMap((n) => [`${n}.js`, `${n}.cache`])]);
for (const f of fs.readdirSync(partsDir)) if (!keepParts.has(f)) fs.rmSync(path.join(partsDir, f));
console.error(`built ${names.join(', ') || 'no executables'} into ${path.relative(root, outDir)}/`);
