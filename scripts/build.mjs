// `npm run build`: compile the config schemas, type-check, and bundle every executable (plugins/*/main.ts
// and cmd/*/main.ts) into one CommonJS file under dist/bin/ with a node shebang. A plugin is exec'd once
// per container, so start-up is the budget: koffi's JS loader (platform probing, 8-20 ms) is replaced by a
// two-line shim that loads the prebuilt koffi.node copied next to the bundles.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
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

execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });

const entries = [];
for (const group of ['plugins', 'cmd']) {
  const dir = path.join(root, group);
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const main = path.join(dir, name, 'main.ts');
    if (fs.existsSync(main)) entries.push({ main, name: EXECUTABLE_NAMES[name] ?? name });
  }
}

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
// The bundles are CommonJS whatever a parent package.json says.
fs.writeFileSync(path.join(outDir, 'package.json'), '{ "type": "commonjs" }\n');

const require = createRequire(import.meta.url);
const koffiNative = require.resolve('@koromix/koffi-linux-x64/linux_x64/koffi.node');
fs.copyFileSync(koffiNative, path.join(outDir, 'koffi.node'));

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

await Promise.all(entries.map(({ main, name }) => esbuild.build({
  entryPoints: [main],
  outfile: path.join(outDir, name),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  // The second line marks our own plugins, so that bridge can run host-local in-process when the
  // host-local found in CNI_PATH is ours (lib/cni/berth-plugin.ts reads it).
  banner: { js: `#!/usr/bin/env node\n// berth-plugin ${name}` },
  plugins: [koffiShim],
  logLevel: 'warning',
})));
for (const { name } of entries) fs.chmodSync(path.join(outDir, name), 0o755);
console.error(`built ${entries.map((e) => e.name).join(', ') || 'no executables'} into ${path.relative(root, outDir)}/`);
