/** Runs the berth CLI in-process against throwaway directories, capturing what it prints. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBuiltins } from '../../../../cmd/berth/commands';
import { dispatch } from '../../../../cmd/berth/dispatch';
import { CommandRegistry } from '../../../../cmd/berth/registry';

/** What one berth run produced. */
export interface BerthRun {
  code: number;
  out: string;
  err: string;
}

/** A temp BERTH_ROOT and BERTH_CNI_DIR, and a `berth(...)` that runs commands against them. */
export class BerthHarness {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  readonly registry = new CommandRegistry();
  now = new Date('2026-01-01T12:00:00Z');

  constructor() {
    registerBuiltins(this.registry);
  }

  get env(): Record<string, string> {
    return { BERTH_ROOT: join(this.root, 'state'), BERTH_CNI_DIR: join(this.root, 'cni'), BERTH_CNI_PATH: '/nonexistent' };
  }

  /** Runs `berth ...argv`; `stdin` lines answer prompts. */
  async berth(argv: string[], opts: { stdin?: string[]; env?: Record<string, string> } = {}): Promise<BerthRun> {
    let out = '';
    let err = '';
    const stdin = [...(opts.stdin ?? [])];
    const code = await dispatch(argv, {
      env: { ...this.env, ...opts.env },
      cwd: this.root,
      out: (t) => { out += t; },
      err: (t) => { err += t; },
      readLine: async () => stdin.shift(),
      now: () => this.now,
    }, this.registry);
    return { code, out, err };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
