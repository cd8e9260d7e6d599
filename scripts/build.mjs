// `npm run build`: compile the config schemas, type-check, and bundle every executable (plugins/*/main.ts
// and cmd/*/main.ts) into one CommonJS file under dist/bin/ with a node shebang. A plugin is exec'd once
// per container, so start-up is the budget: koffi's JS loader (platform probing, 8-20 ms) is replaced by a
// two-line shim that loads the prebuilt koffi.node copied next to the bundles.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
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

// The bundles are CommonJS whatever a parent package.json says.
install('package.json', '{ "type": "commonjs" }\n');
const require = createRequire(import.meta.url);
install('koffi.node', fs.readFileSync(require.resolve('@koromix/koffi-linux-x64/linux_x64/koffi.node')), 0o755);

const koffiShim = {
  name: 'koffi-native-shim',
  setup(build) {
    build.onResolve({ filter: /^koffi$/ }, () => ({ path: 'koffi', namespace: 'koffi-shim' }));
    build.onLoad({ filter: /.*/, namespace: 'koffi-shim' }, () => ({
      contents: "module.exports = require(require('node:path').join(__dirname, 'koffi.node'));",
      loader: 'js',
    }));
  },
};

/**
 * etcd3 (berthd's etcd store) loads its gRPC definitions at run time from `${__dirname}/../proto`,
 * relative to its own file in node_modules. Bundled, __dirname is dist/bin: the definitions are
 * copied to dist/bin/proto and the one path in etcd3 is pointed there.
 */
const etcd3Proto = {
  name: 'etcd3-proto',
  setup(build) {
    build.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const pointed = source.replace('`${__dirname}/../proto/rpc.proto`', "require('node:path').join(__dirname, 'proto', 'rpc.proto')");
      if (pointed === source) throw new Error('etcd3 changed how it finds rpc.proto: update the etcd3-proto build plugin');
      return { contents: pointed, loader: 'js' };
    });
  },
};
const protoSource = path.join(path.dirname(require.resolve('etcd3/package.json')), 'proto');
fs.mkdirSync(path.join(outDir, 'proto'), { recursive: true });
for (const f of fs.readdirSync(protoSource)) install(path.join('proto', f), fs.readFileSync(path.join(protoSource, f)));

const results = await Promise.all(entries.map(({ main, name }) => esbuild.build({
  entryPoints: [main],
  outfile: path.join(outDir, 'lib', `${name}.js`),
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
/**
 * Each executable is a small launcher (scripts/templates/launcher.cjs) that runs `lib/<name>.js` with
 * a V8 code cache made here by one VERSION run. Its second line marks our own plugins, so that bridge
 * can run host-local in-process when the host-local found in CNI_PATH is ours (lib/cni/berth-plugin.ts).
 */
const launcher = fs.readFileSync(path.join(root, 'scripts', 'templates', 'launcher.cjs'), 'utf8');
fs.mkdirSync(path.join(outDir, 'lib'), { recursive: true });
entries.forEach(({ name }, i) => {
  install(path.join('lib', `${name}.js`), results[i].outputFiles[0].contents);
  install(name, `#!/usr/bin/env node\n// berth-plugin ${name}\n${launcher.replaceAll('NAME', name)}`, 0o755);
});
for (const { main, name } of entries) {
  // The old cache goes first: V8 checks a cache against its source only by length, so a new bundle of
  // the same length would accept the old one and run stale functions ("Unexpected identifier").
  fs.rmSync(path.join(outDir, 'lib', `${name}.cache`), { force: true });
  // A plugin answers VERSION; a cmd entry is started with `--help` (it may exit non-zero, e.g.
  // berth-init without its sync socket): either way the run compiles its start-up path.
  const plugin = main.startsWith(path.join(root, 'plugins'));
  // A cmd entry gets `--help`, so a daemon prints its usage and exits instead of starting to serve.
  const run = spawnSync(process.execPath, [path.join(outDir, name), ...(plugin ? [] : ['--help'])], {
    env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION', BERTH_WRITE_CODE_CACHE: '1' },
    input: '{"cniVersion":"1.1.0"}',
    stdio: ['pipe', 'ignore', plugin ? 'inherit' : 'ignore'],
    timeout: 20_000,
  });
  if (plugin && run.status !== 0) throw new Error(`${name} VERSION failed while writing its code cache (status ${run.status})`);
}
// Executables whose source is gone are removed, so dist/bin never offers a stale plugin.
const names = entries.map((e) => e.name);
const keep = new Set(['package.json', 'koffi.node', 'lib', 'proto', ...names]);
for (const f of fs.readdirSync(outDir)) if (!keep.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(outDir, f));
const keepLib = new Set(names.flatMap((n) => [`${n}.js`, `${n}.cache`]));
for (const f of fs.readdirSync(path.join(outDir, 'lib'))) if (!keepLib.has(f) && !f.endsWith('.tmp')) fs.rmSync(path.join(outDir, 'lib', f));
console.error(`built ${entries.map((e) => e.name).join(', ') || 'no executables'} into ${path.relative(root, outDir)}/`);
