/**
 * Best-effort work (CNI DEL and GC, a container's release, an unmount sweep): every step gets its
 * turn even when an earlier one failed, and the failures are reported together at the end, so one
 * stuck piece never leaks the others.
 */

/** The failures of a run of best-effort steps, collected as the steps run. */
export class BestEffort {
  /** What the steps threw so far, in order. */
  readonly errors: unknown[] = [];

  /**
   * Runs `step` and keeps its failure instead of throwing it. One that `ignore` accepts (e.g. "not
   * mounted", "already gone") counts as done.
   */
  async attempt(step: () => unknown, ignore?: (err: unknown) => boolean): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.#keep(err, ignore);
    }
  }

  /** {@link attempt} for synchronous steps (a step that must not yield, or a synchronous caller). */
  attemptSync(step: () => void, ignore?: (err: unknown) => boolean): void {
    try {
      step();
    } catch (err) {
      this.#keep(err, ignore);
    }
  }

  /** True while no step has failed (a step that only makes sense after the others succeeded). */
  get ok(): boolean {
    return this.errors.length === 0;
  }

  /**
   * Throws the one failure as it is, or the error `several` makes of two or more (an AggregateError
   * whose message names the operation, as a rule); returns when nothing failed.
   */
  throwIfFailed(several: (errors: unknown[]) => Error): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw several(this.errors);
  }

  #keep(err: unknown, ignore: ((err: unknown) => boolean) | undefined): void {
    if (ignore === undefined || !ignore(err)) this.errors.push(err);
  }
}
