/**
 * A run's teardown as a last-in-first-out stack: each stage pushes how to undo itself when it has
 * started, and the run unwinds the stack once, in reverse, whether it ended on time, on an error
 * or on SIGINT. A failing step is reported and the unwinding goes on, so one stuck component
 * cannot keep the others running or the results off the disk.
 */

export interface TeardownFailure {
  step: string;
  error: unknown;
}

export class TeardownStack {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  private unwound = false;

  /** Push the undo of a stage that has just started; `name` names it in a failure. */
  push(name: string, run: () => Promise<void> | void): void {
    if (this.unwound) throw new Error(`teardown step ${name} pushed after the teardown ran`);
    this.steps.push({ name, run });
  }

  /** The steps pushed so far, first pushed first. */
  get names(): string[] {
    return this.steps.map((s) => s.name);
  }

  /** Run every step, last pushed first; resolves with the steps that threw, in the order they ran. */
  async unwind(): Promise<TeardownFailure[]> {
    this.unwound = true;
    const failures: TeardownFailure[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        failures.push({ step: step.name, error });
      }
    }
    return failures;
  }
}
