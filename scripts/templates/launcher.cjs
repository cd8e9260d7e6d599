// Starts the bundle NAME with V8's code cache. Compiling a 300-500 KB bundle is a large part of a
// plugin's start-up, paid on every exec; the cache, written at build time next to the bundle, lets V8
// skip it. A missing or rejected cache (another Node version) only costs that time back.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap } = require('node:module');

const bundle = path.join(__dirname, 'lib', 'NAME.js');
const cacheFile = path.join(__dirname, 'lib', 'NAME.cache');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
if (process.env.BERTH_WRITE_CODE_CACHE === '1') {
  // Build time: after a run, the cache holds every function that run compiled.
  process.on('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  });
}
// The bundle sees this directory as its own: koffi.node is found next to the executables.
script.runInThisContext()(module.exports, require, module, __filename, __dirname);
