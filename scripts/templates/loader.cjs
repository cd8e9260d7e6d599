// Runs one embedded bundle with its V8 code cache and the koffi addon, with nothing beside the
// executable. Two forms share this file (scripts/build.mjs fills in the @...@ values):
//   file: a `node` script; the bundle, its code cache and the addon (brotli) follow this loader, base64
//         in one block comment (the parser skips it cheaply), found by the byte offsets in LAYOUT;
//   sea:  the main script of the single executable application; the parts are node:sea assets.
// It cannot import lib/ (it is not bundled): it stays small and self-contained.
'use strict';
// lib/util/phase-clock.ts reports Node's own start-up as the time to this line (BERTH_PHASES=1;
// process.uptime, since the first touch of the `performance` global costs ~0.7 ms).
if (process.env.BERTH_PHASES === '1') globalThis[Symbol.for('berth.loaderStart')] = process.uptime() * 1000;
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap } = require('node:module');

const FORM = '@FORM@';
const ADDON_SHA256 = '@ADDON_SHA256@';
/** file form: [offset, length] of the base64 bundle, code cache and addon in this file. */
const LAYOUT = { bundle: [@BUNDLE@], cache: [@CACHE@], addon: [@ADDON@] };
/** sea form: the executables in the binary, dispatched on the name it was started as (like busybox). */
const NAMES = '@NAMES@'.split(',');

const self = FORM === 'sea' ? process.execPath : __filename;
const sea = FORM === 'sea' ? require('node:sea') : undefined;
const name = FORM === 'sea' ? seaName() : '@NAME@';

function seaName() {
  // berth spawns its helpers as `node <script>` does, `process.execPath <dir>/berth-init`: a first
  // argument that is this very binary under a known name is that name.
  const script = process.argv[2];
  if (script !== undefined && script.includes('/') && NAMES.includes(path.basename(script)) && sameFile(script, process.execPath)) {
    process.argv.splice(1, 2, path.resolve(script));
    return path.basename(script);
  }
  // argv0 is the name exec'd (a hard link's or symlink's own name); `berth-multicall <name> ...` also works.
  // argv[1] becomes the executable's path, as node gives a script's (berth looks for its plugins beside it):
  // argv0 when it has a directory, else execPath (found on PATH: the hard link's path, a symlink's target).
  const called = path.basename(process.argv0);
  process.argv[1] = process.argv0.includes('/') ? path.resolve(process.argv0) : process.execPath;
  if (NAMES.includes(called)) return called;
  if (script !== undefined && NAMES.includes(script)) {
    process.argv.splice(2, 1);
    return script;
  }
  process.stderr.write(`${called}: started as an unknown name; link or rename it to one of: ${NAMES.join(', ')}\n`);
  process.exit(1);
}

function sameFile(a, b) {
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The bytes of one part: an asset, or the base64 at its offsets in this file. */
function part(key) {
  if (sea) return Buffer.from(sea.getAsset(key === 'addon' ? 'addon' : `${name}.${key}`));
  const [offset, length] = LAYOUT[key];
  const b64 = Buffer.allocUnsafe(length);
  const fd = fs.openSync(self, 'r');
  try {
    if (fs.readSync(fd, b64, 0, length, offset) !== length) throw new Error(`${self} is truncated`);
  } finally {
    fs.closeSync(fd);
  }
  return Buffer.from(b64.toString('latin1'), 'base64');
}

/**
 * The addon is dlopen'd from a file, so it is written once per content (its sha256 is in the name) to a
 * directory only the effective user can write, and every directory above it must be as safe (or sticky,
 * like /tmp), else someone else could swap the file between our check and dlopen.
 */
function addonDir() {
  if (process.env.BERTH_ADDON_DIR) return path.resolve(process.env.BERTH_ADDON_DIR);
  if (process.geteuid() === 0) return '/var/cache/berth/addons';
  return path.join(process.env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache'), 'berth', 'addons');
}

function unsafe(file, st, euid, leaf) {
  if (leaf !== undefined && (leaf === 'dir' ? !st.isDirectory() : !st.isFile())) return `${file} is not a regular ${leaf === 'dir' ? 'directory' : 'file'}`;
  if (st.uid !== euid && (leaf !== undefined || st.uid !== 0)) return `${file} is owned by uid ${st.uid}, not ${euid}`;
  if ((st.mode & 0o022) !== 0 && (leaf !== undefined || (st.mode & 0o1000) === 0)) return `${file} is writable by group or others`;
  return undefined;
}

function checkDirChain(dir, euid) {
  for (let d = dir, leaf = 'dir'; ; d = path.dirname(d), leaf = undefined) {
    const why = unsafe(d, fs.lstatSync(d), euid, leaf);
    if (why !== undefined) throw new Error(why);
    if (d === path.dirname(d)) return;
  }
}

function addonFile() {
  const dir = addonDir();
  const file = path.join(dir, `koffi-${ADDON_SHA256}.node`);
  const euid = process.geteuid();
  try {
    let st;
    try {
      st = fs.lstatSync(file);
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    if (st !== undefined) {
      const why = unsafe(file, st, euid, 'file');
      if (why !== undefined) throw new Error(why);
      checkDirChain(dir, euid);
      return file;
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    checkDirChain(dir, euid);
    // The file form carries it brotli-compressed (scripts/build.mjs).
    const bytes = sea ? part('addon') : require('node:zlib').brotliDecompressSync(part('addon'));
    const sha = require('node:crypto').createHash('sha256').update(bytes).digest('hex');
    if (sha !== ADDON_SHA256) throw new Error(`the embedded addon's sha256 is ${sha}, not ${ADDON_SHA256}: ${self} is corrupt`);
    // temp + fsync + rename: a concurrent start never dlopens a half-written file.
    const temp = path.join(dir, `.koffi-${ADDON_SHA256}.node.tmp-${require('node:crypto').randomBytes(6).toString('hex')}`);
    try {
      const fd = fs.openSync(temp, 'wx', 0o755);
      try {
        fs.writeFileSync(fd, bytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, file);
    } finally {
      fs.rmSync(temp, { force: true });
    }
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
    return file;
  } catch (e) {
    throw new Error(`${name}: cannot install the koffi addon in ${dir} (${e.message}); set BERTH_ADDON_DIR to a directory only uid ${euid} can write`);
  }
}

function loadAddon() {
  const m = { exports: {} };
  // A user namespace container's init gets the addon as a descriptor its parent (host root) opened:
  // inside the namespace host root's files show as the overflow uid, so the ownership checks above
  // cannot tell a safe file from another's there (lib/runtime/container/userns.ts).
  const fd = process.env.BERTH_ADDON_FD;
  const file = fd !== undefined && /^[0-9]+$/.test(fd) ? `/proc/self/fd/${fd}` : addonFile();
  process.dlopen(m, file);
  globalThis[Symbol.for('berth.addonFile')] = file;
  return m.exports;
}

/** The bundle's require: the koffi shim asks for the addon by this id (scripts/build.mjs). */
const baseRequire = FORM === 'sea' ? require('node:module').createRequire(self) : require;
const bundleRequire = Object.assign((id) => (id === '#berth-koffi-addon' ? loadAddon() : baseRequire(id)), baseRequire);

const source = part('bundle').toString('utf8');
const cacheOut = process.env.BERTH_WRITE_CODE_CACHE;
let cachedData;
if (!cacheOut) {
  cachedData = part('cache');
  if (cachedData.length === 0) cachedData = undefined;
}
const script = new vm.Script(wrap(source), { filename: `${self}:${name}`, cachedData });
if (cacheOut) {
  // Build time: after a run, the cache holds every function that run compiled.
  process.on('exit', () => fs.writeFileSync(cacheOut, script.createCachedData()));
}
if (process.env.BERTH_DEBUG_CODE_CACHE === '1') process.stderr.write(`code cache ${cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
script.runInThisContext()(module.exports, bundleRequire, module, self, path.dirname(self));
