/**
 * A `Worker` (see `platform/subgraph.ts`) that runs a round of work every `intervalMs`: the shape of a queue's
 * dispatcher or a clock-driven job. Rounds never overlap (`runOnce()` from a test waits for the loop's round in
 * flight, and the other way round); a round that reports more work starts the next one at once; `nudge()` cuts the
 * pause short (e.g. right after new work was committed); a failing round is logged and the loop backs off, up to
 * 30 seconds. `stop()` ends the loop after the round in flight and may be called more than once.
 */
import { Mutex } from 'async-mutex';
import type { Logger } from './logger.ts';
import type { Worker } from './subgraph.ts';

export interface PeriodicWorkerOptions<Result> {
  /** Unique per subgraph, e.g. `notifications.dispatcher`. */
  name: string;
  /** Pause between rounds, in milliseconds. */
  intervalMs: number;
  logger: Logger;
  /** One round of work. */
  round: () => Promise<Result>;
  /** True when a round's result says there is more to do now (a full batch): the next round starts at once. */
  more?: (result: Result) => boolean;
}

export interface PeriodicWorker<Result> extends Worker {
  /** Asks for a round now instead of at the end of the pause. */
  nudge(): void;
  /** One round now; resolves with its result. */
  runOnce(): Promise<Result>;
}

/** Creates a periodic worker; nothing runs until `start()`. */
export function periodicWorker<Result>(options: PeriodicWorkerOptions<Result>): PeriodicWorker<Result> {
  const log = options.logger.child({ component: 'worker', worker: options.name });
  const lock = new Mutex();
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let nudged = false;

  const runOnce = (): Promise<Result> => lock.runExclusive(options.round);

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      nudged = false;
      try {
        const result = await runOnce();
        failures = 0;
        if (options.more?.(result)) continue;
      } catch (error) {
        failures++;
        log.error({ err: error, failures }, 'worker round failed');
      }
      if (!running) break;
      const ms = failures > 0 ? Math.min(options.intervalMs * 2 ** failures, 30_000) : options.intervalMs;
      if (!nudged) await pause(ms);
    }
  }

  return {
    name: options.name,
    runOnce,
    nudge() {
      nudged = true;
      wake?.();
    },
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}
