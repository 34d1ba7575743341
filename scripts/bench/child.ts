/**
 * The bench's child processes and how the parent talks to them: each child (`load.ts`, `gateway-process.ts`,
 * `hive-gateway.ts`) runs jobs that the parent sends over IPC (`{ id, job }`, answered `{ id, result }` or
 * `{ id, error }`), one process per role so that the load generator, the gateway under test and the subgraphs never
 * share an event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** A child process running jobs for the bench. */
export class BenchChild<Job> {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #name: string;
  #nextId = 0;

  /**
   * Forks `modulePath` with `execArgv` (no inherited flags: `--cpu-prof` on the bench profiles only what it asks
   * for) and `env` added to the bench's environment.
   */
  constructor(name: string, modulePath: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}) {
    this.#name = name;
    // kafkajs sets timers with negative delays (harmless, Node warns of them: silenced as in `npm run test:jest`).
    this.#child = fork(modulePath, [], {
      execArgv: ['--disable-warning=TimeoutNegativeWarning', ...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: 'inherit',
    });
    this.#child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`${this.#name}: ${message.error}`));
      else pending?.resolve(message.result);
    });
    this.#child.on('exit', (code, signal) => this.#failAll(new Error(`${this.#name} exited (${signal ?? code})`)));
    // Not started, or a message that could not be sent: without a listener, the error would end this process.
    this.#child.on('error', (error) => this.#failAll(new Error(`${this.#name}: ${error.message}`)));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  run<Result>(job: Job): Promise<Result> {
    if (!this.#child.connected) return Promise.reject(new Error(`${this.#name} is not running`));
    const id = this.#nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, job }, (error) => {
        if (!error) return;
        this.#pending.delete(id);
        reject(new Error(`${this.#name}: ${error.message}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. Safe to call again. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.#child;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (!child.kill('SIGTERM')) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The child's side: runs each job the parent sends with `run` and answers it. When the parent goes away (even
 * killed), or on SIGTERM, `onExit` runs (at most once) and the process exits.
 */
export function serveJobs<Job>(run: (job: Job) => Promise<unknown>, onExit?: () => Promise<void>): void {
  if (!process.send) throw new Error('this module runs as a child process of the bench (npm run bench)');
  process.on('message', (message: { id: number; job: Job }) => {
    run(message.job).then(
      (result) => process.send?.({ id: message.id, result }),
      (error: unknown) =>
        process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    void (onExit ?? (async () => {}))()
      .catch((error: unknown) => console.error(`bench child: ${String(error)}`))
      .finally(() => process.exit(code));
  };
  process.on('disconnect', () => exit(0));
  process.on('SIGTERM', () => exit(0));
  // Ctrl-C reaches the whole process group: the parent decides when its children stop.
  process.on('SIGINT', () => {});
}
