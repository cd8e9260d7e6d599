// Fake CNI plugins for the runtime's unit tests: one small Node script installed under several type
// names in a temp dir. Each run appends {type, env (CNI_*), conf} to $FAKE_LOG. Its behaviour comes from
// the plugin object's `fake` key: `result` (ADD prints it), `addIp` (ADD appends an address to the
// prevResult it got), `fail: {on, code, msg}`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = `#!${process.execPath}
const fs = require('fs');
const conf = JSON.parse(fs.readFileSync(0, 'utf8'));
const cmd = process.env.CNI_COMMAND;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CNI_')));
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ type: require('path').basename(process.argv[1]), env, conf }) + '\\n');
const f = conf.fake || {};
if (f.fail && f.fail.on === cmd) {
  process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion, code: f.fail.code, msg: f.fail.msg }));
  process.exit(1);
}
if (cmd === 'ADD') {
  let r = f.result || conf.prevResult || { cniVersion: conf.cniVersion };
  if (f.addIp) r = { ...r, ips: [...(r.ips || []), { address: f.addIp }] };
  process.stdout.write(JSON.stringify(r));
}
`;

/** A temp dir of fake plugins and the log they append to. */
export interface FakePlugins {
  dir: string;
  bin: string;
  log: string;
  /** The runs so far, oldest first. */
  runs(): { type: string; env: Record<string, string>; conf: Record<string, any> }[];
  remove(): void;
}

/** Installs the fake under each of `types`. */
export function makeFakePlugins(types: readonly string[]): FakePlugins {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cnirt-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const t of types) fs.writeFileSync(path.join(bin, t), SCRIPT, { mode: 0o755 });
  const log = path.join(dir, 'log.jsonl');
  return {
    dir,
    bin,
    log,
    runs: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
