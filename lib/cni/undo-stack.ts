/**
 * ADD's undo stack: every step of ADD that changes something pushes the action that reverses it, and a
 * failed ADD runs them newest first, so nothing it made outlives it (the reference bridge leaves the
 * veth to the runtime's DEL; the reference macvlan leaks the link when the L3 part fails, because its
 * deferred cleanup tests a shadowed `err`). Also the test hook that fails an ADD after a named step.
 */
import type { Logger } from '../log';

/**
 * TEST ONLY. `BERTH_TEST_FAIL_AFTER=<step>` makes ADD fail right after that step, to prove the undo
 * stack leaves nothing behind. Each plugin names its own steps (its `ADD_STEPS`). Never set it in
 * production: the ADD fails on purpose.
 */
export const FAIL_AFTER_ENV = 'BERTH_TEST_FAIL_AFTER';

/** Throws when the {@link FAIL_AFTER_ENV} test hook in `env` names `step`. */
export type FailPoint<Step extends string> = (env: Readonly<Record<string, string | undefined>>, step: Step) => void;

/**
 * The test hook's check for a plugin whose ADD has the steps `_steps` (read for their type only): the
 * returned function accepts only those names, so a misspelt step is a type error, not a silent hook.
 */
export function failPointFor<const Step extends string>(_steps: readonly Step[]): FailPoint<Step> {
  return (env, step) => {
    if (env[FAIL_AFTER_ENV] === step) throw new Error(`injected failure after step "${step}" (${FAIL_AFTER_ENV} is a test-only hook)`);
  };
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
