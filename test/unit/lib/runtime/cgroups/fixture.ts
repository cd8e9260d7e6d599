// A cgroup tree in a temp directory for the managers' unit tests: real files, a log of every write in
// order (multi-entry files such as devices.allow keep only the last write on disk, the log keeps all),
// rmdir that ignores control files as cgroupfs does, and injectable errno failures.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join, relative } from 'node:path';
import { type CgroupFs, nodeCgroupFs } from '../../../../../lib/runtime/cgroups';

export interface FixtureFs extends CgroupFs {
  readonly root: string;
  /** Every write as "path-relative-to-root value". */
  readonly writes: string[];
  /** Makes the next `count` operations on `path` fail with errno `code`. */
  failNext(path: string, code: string, count?: number): void;
  /** Creates files (relative path → content), making directories as needed. */
  seed(files: Record<string, string>): void;
  /** Reads a file relative to root. */
  file(rel: string): string;
  cleanup(): void;
}

export function fixtureFs(): FixtureFs {
  const root = fs.mkdtempSync(join(os.tmpdir(), 'berth-cgroup-'));
  const writes: string[] = [];
  const failures = new Map<string, { code: string; count: number }>();
  const maybeFail = (path: string): void => {
    const f = failures.get(path);
    if (f === undefined || f.count <= 0) return;
    f.count--;
    throw Object.assign(new Error(`injected ${f.code}`), { code: f.code });
  };
  return {
    root,
    writes,
    mkdir: (p) => nodeCgroupFs.mkdir(p),
    rmdir(p) {
      maybeFail(p);
      if (fs.existsSync(p)) {
        for (const e of fs.readdirSync(p, { withFileTypes: true })) if (e.isFile()) fs.unlinkSync(join(p, e.name));
      }
      nodeCgroupFs.rmdir(p);
    },
    write(p, data) {
      maybeFail(p);
      writes.push(`${relative(root, p)} ${data}`);
      nodeCgroupFs.write(p, data);
    },
    read: (p) => nodeCgroupFs.read(p),
    exists: (p) => nodeCgroupFs.exists(p),
    failNext(path, code, count = 1) {
      failures.set(join(root, path), { code, count });
    },
    seed(files) {
      for (const [rel, content] of Object.entries(files)) {
        fs.mkdirSync(join(root, rel, '..'), { recursive: true });
        fs.writeFileSync(join(root, rel), content);
      }
    },
    file: (rel) => fs.readFileSync(join(root, rel), 'utf8'),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
