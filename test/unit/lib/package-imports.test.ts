// lib's packages are entered through their index: a directory with an index.ts is a package, and code
// outside it (lib, plugins, cmd; tests may reach in) imports that index, never a file behind it. A
// sub-directory whose parent's index re-exports it (lib/netlink/link, lib/overlay/stores, ...) belongs
// to the parent; one that is not re-exported (lib/cni/runtime) is a package of its own. lib/netlink/nl
// has no index: it is private to lib/netlink, whose index re-exports what callers need.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

const hasIndex = (dir: string): boolean => fs.existsSync(path.join(ROOT, dir, 'index.ts'));
const inside = (file: string, dir: string): boolean => file.startsWith(`${dir}/`);

/** The package that `target` belongs to as seen from `importer`, or undefined when it has none. */
function packageOf(target: string, importer: string): string | undefined {
  let dir = path.dirname(target);
  while (dir.startsWith('lib') && !hasIndex(dir)) dir = path.dirname(dir);
  if (!dir.startsWith('lib') || dir === 'lib') return undefined;
  for (;;) {
    const parent = path.dirname(dir);
    if (parent === 'lib' || !hasIndex(parent) || inside(importer, parent)) return dir;
    const index = fs.readFileSync(path.join(ROOT, parent, 'index.ts'), 'utf8');
    if (!index.includes(`from './${path.basename(dir)}'`)) return dir;
    dir = parent;
  }
}

/** Every import of `file` that goes behind a package's index. */
function violations(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+'(\.[^']*)'/g)) {
    let target = path.normalize(path.join(path.dirname(file), m[1]!));
    if (fs.existsSync(path.join(ROOT, `${target}.ts`))) target = `${target}.ts`;
    else if (hasIndex(target)) target = `${target}/index.ts`;
    else continue;
    const pkg = packageOf(target, file);
    if (pkg !== undefined && !inside(file, pkg) && target !== `${pkg}/index.ts`) out.push(`${file} imports ${target} (use ${pkg})`);
  }
  return out;
}

describe('lib package imports', () => {
  it('nothing outside a package imports a file behind its index (lib/netlink/nl among them)', () => {
    const files = ['lib', 'plugins', 'cmd'].flatMap(sources);
    assert.deepEqual(files.flatMap(violations), []);
  });
  it('the rule sees through a re-exporting parent and stops at one that does not re-export', () => {
    assert.equal(packageOf('lib/netlink/nl/constants.ts', 'lib/iface/gateway.ts'), 'lib/netlink');
    assert.equal(packageOf('lib/netlink/link/link-set.ts', 'lib/iface/gateway.ts'), 'lib/netlink');
    assert.equal(packageOf('lib/overlay/datapath/vtep-mac.ts', 'cmd/berthd/leave.ts'), 'lib/overlay');
    assert.equal(packageOf('lib/cni/runtime/result-cache.ts', 'lib/runtime/container/deps.ts'), 'lib/cni/runtime');
    assert.equal(packageOf('lib/ipam/disk-store.ts', 'plugins/bridge/del.ts'), undefined);
  });
});
