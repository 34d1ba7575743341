/** The bench's undo steps: whatever a run started or created is removed on the way out, failures and Ctrl-C too. */

/**
 * Undo steps, run last-in first-out exactly once, whether the run ends well, fails or is interrupted. A step added
 * once the clean-up has begun (something started while it ran) is undone at once.
 */
export class Cleanup {
  readonly #steps: { name: string; undo: () => Promise<void> }[] = [];
  #running: Promise<void> | undefined;

  add(name: string, undo: () => Promise<void>): void {
    this.#steps.push({ name, undo });
    // A clean-up still running takes the step from #steps itself; a finished one runs again for it.
    if (this.#running) this.#running = this.#running.then(() => this.#undoAll());
  }

  /** Runs and forgets the most recent step named `name` now. */
  async now(name: string): Promise<void> {
    const index = this.#steps.findLastIndex((step) => step.name === name);
    if (index < 0) return;
    const [step] = this.#steps.splice(index, 1);
    await step!.undo();
  }

  /** Undoes every step; resolves once nothing is left, steps added meanwhile included. */
  async run(): Promise<void> {
    this.#running ??= this.#undoAll();
    for (let seen: Promise<void> | undefined; seen !== this.#running;) {
      seen = this.#running;
      await seen;
    }
  }

  async #undoAll(): Promise<void> {
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      const started = performance.now();
      try {
        await step.undo();
        const seconds = (performance.now() - started) / 1000;
        if (seconds >= 1) log(`cleanup: ${step.name} took ${seconds.toFixed(1)} s`);
      } catch (error) {
        console.error(`cleanup: ${step.name} failed: ${String(error)}`);
      }
    }
  }
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
