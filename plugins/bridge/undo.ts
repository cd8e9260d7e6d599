/**
 * ADD's undo stack: every step that changes the host pushes the action that reverses it, and a failed
 * ADD runs them newest first, so no veth, lease or rule outlives it. (The reference leaves the veth to
 * the runtime's DEL.) Also the test hook that fails an ADD after a named step.
 */
import type { Logger } from '../../lib/log';

/**
 * TEST ONLY. `BERTH_TEST_FAIL_AFTER=<step>` makes ADD fail right after that step, to prove the undo
 * stack leaves nothing behind. Steps: bridge, veth, port, macspoofchk, ipam, container-iface, gateway,
 * ipmasq, port-ready. Never set it in production: the ADD fails on purpose.
 */
export const FAIL_AFTER_ENV = 'BERTH_TEST_FAIL_AFTER';

/** The steps of ADD, in order, as the test hook names them. */
export const ADD_STEPS = ['bridge', 'veth', 'port', 'macspoofchk', 'ipam', 'container-iface', 'gateway', 'ipmasq', 'port-ready'] as const;
/** One step name of ADD_STEPS. */
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

  /** Runs every registered action, newest first, and empties the stack. Never throws. */
  async unwind(): Promise<string[]> {
    const failed: string[] = [];
    for (let s = this.#steps.pop(); s; s = this.#steps.pop()) {
      try {
        await s.run();
      } catch (err) {
        failed.push(s.name);
        this.#log?.warn({ err, step: s.name }, `undo of ${s.name} failed`);
      }
    }
    return failed;
  }
}
