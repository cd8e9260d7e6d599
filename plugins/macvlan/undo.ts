/**
 * ADD's undo stack and the test hook that fails an ADD on purpose. Every step of ADD that changes
 * something pushes the action that reverses it; a failed ADD runs them newest first, so no link and no
 * lease outlive it (the reference leaks the link when the L3 part fails: its deferred cleanup tests a
 * shadowed `err`).
 */
import type { Logger } from '../../lib/log';

/**
 * TEST ONLY. `BERTH_TEST_FAIL_AFTER=<step>` makes ADD fail right after that step, to prove the undo
 * stack leaves nothing behind. Steps, in order: `link` (created under its temporary name in the
 * container), `rename` (renamed to CNI_IFNAME), `ipam` (lease obtained), `configure` (addresses,
 * routes, link up). Never set it in production: the ADD fails on purpose.
 */
export const FAIL_AFTER_ENV = 'BERTH_TEST_FAIL_AFTER';

/** The steps of ADD, in order, as the test hook names them. */
export const ADD_STEPS = ['link', 'rename', 'ipam', 'configure'] as const;
/** One step of ADD_STEPS. */
export type AddStep = (typeof ADD_STEPS)[number];

/** Throws when the test hook asks for a failure after `step`. */
export function failPoint(env: Readonly<Record<string, string | undefined>>, step: AddStep): void {
  if (env[FAIL_AFTER_ENV] === step) throw new Error(`injected failure after step "${step}" (${FAIL_AFTER_ENV} is a test-only hook)`);
}

/** Reverse actions, run newest first; one that fails is logged and the others still run. */
export class UndoStack {
  readonly #steps: Array<{ name: string; run: () => unknown }> = [];
  readonly #log: Logger | undefined;

  constructor(log?: Logger) {
    this.#log = log;
  }

  /** Registers the action that reverses a change just made. */
  push(name: string, run: () => unknown): void {
    this.#steps.push({ name, run });
  }

  /** Runs every action, newest first, and empties the stack; returns the names of those that failed. */
  async unwind(): Promise<string[]> {
    const failed: string[] = [];
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        failed.push(step.name);
        this.#log?.warn({ err, step: step.name }, `undo of ${step.name} failed`);
      }
    }
    return failed;
  }
}
