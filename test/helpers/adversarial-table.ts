// Shared by the fuzz-style unit tables (one per plugin): each row is an adversarial input (environment
// or config) for one verb and what the runtime must see on stdout: success, or a CNI error with a
// given code whose message names the field at fault.
import assert from 'node:assert/strict';
import type { DispatchOut } from './unit-plugin';

/** One adversarial input and its expected outcome. */
export interface Row {
  /** What the row is about, for the test title. */
  name: string;
  verb: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';
  env?: Record<string, string>;
  /** Keys merged over the table's base config (undefined removes a key). */
  conf?: Record<string, unknown>;
  /** 0 for success, else the CNI error code. */
  code: number;
  /** Text the error message must contain (the field's name), for code != 0. */
  field?: string;
}

/** Defines one mocha test per row, run through `run` (the plugin behind the dispatcher). */
export function defineRows(rows: readonly Row[], run: (verb: string, env: Record<string, string>, conf: Record<string, unknown>) => Promise<DispatchOut>): void {
  for (const row of rows) {
    const want = row.code === 0 ? 'succeeds' : `code ${row.code} naming ${row.field}`;
    it(`${row.verb} ${row.name}: ${want}`, async () => {
      const out = await run(row.verb, row.env ?? {}, row.conf ?? {});
      if (row.code === 0) {
        assert.equal(out.code, 0, out.stdout);
        return;
      }
      assert.equal(out.code, 1, out.stdout);
      assert.equal(out.json.code, row.code, out.stdout);
      assert.ok(typeof out.json.msg === 'string' && out.json.msg.includes(row.field ?? ''), `message must name ${row.field}: ${out.json.msg}`);
      assert.ok(out.stdout.length < 2000, `a short message (got ${out.stdout.length} bytes)`);
      assert.doesNotMatch(out.stdout, /\n\s+at /, 'no stack trace');
    });
  }
}

/** A CNI_NETNS 10 KB long. */
export const LONG_NETNS = `/run/netns/${'n'.repeat(10 * 1024)}`;
