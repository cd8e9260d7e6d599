/**
 * An undo stack: every step of an operation that changes something pushes the action that reverses
 * it, and a failed operation runs them newest first, so nothing it made outlives it. CNI ADD uses it
 * (the reference bridge leaves the veth to the runtime's DEL; the reference macvlan leaks the link
 * when the L3 part fails, because its deferred cleanup tests a shadowed `err`), and so does a
 * container's start.
 */
import type { Logger } from '../log';

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
