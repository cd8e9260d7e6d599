/**
 * TEST ONLY: the hook that fails a plugin's ADD right after a named step, to prove that its undo stack
 * (lib/util/undo-stack) leaves nothing behind.
 */

/**
 * TEST ONLY. `BERTH_TEST_FAIL_AFTER=<step>` makes ADD fail right after that step. Each plugin names
 * its own steps (its `ADD_STEPS`). Never set it in production: the ADD fails on purpose.
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
