/**
 * `npm run bench`: one run on real PostgreSQL that measures
 *
 *  1. bookings per second through the gateway (16 concurrent clients, p50/p99 latency), every request a valid,
 *     distinct booking planned up front (`plan.ts`), checked against the database afterwards;
 *  2. pgbench's built-in TPC-B-like script on the same server, and the ratio of the two;
 *  3. `Doctor.availableSlots` latency for a full day (at the daily cap) and an empty one;
 *
 * prints a table and writes BENCHMARKS.md. The whole graph runs in this process (`startGraph`) on a database it
 * creates and drops; the load comes from a child process (`load.ts`). Everything it created is removed on the way
 * out, failures and Ctrl-C included. `--cpu-prof` also profiles the graph during the measured booking run (the
 * figures are then printed but BENCHMARKS.md is left as it is).
 *
 * Environment: BENCH_DATABASE_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres), the
 * server to use; KAFKA_BROKERS (optional) to carry events through Kafka; BENCH_SECONDS, BENCH_WARMUP_SECONDS,
 * BENCH_CONNECTIONS, BENCH_SLOT_REQUESTS, BENCH_PGBENCH_SCALE, PGBENCH (the binary).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { embeddedEnvSchema } from '../../embedded/config.ts';
import { startGraph } from '../../embedded/graph.ts';
import { loadConfig } from '../../platform/config.ts';
import { GraphClient } from '../../platform/graphql/client.ts';
import type { BookingRunResult, Job, SlotsRunResult } from './load.ts';
import { describeMachine, machineBusyShare } from './machine.ts';
import { checkpoint, createScratchDatabase, onDatabase, pgbench, pgbenchVersion } from './postgres.ts';
import { startProfiler, type ProfileSummary } from './profile.ts';
import { formatTable, renderMarkdown, type BenchReport } from './report.ts';
import { setUpHospital } from './setup.ts';
import { summarise } from './stats.ts';
import { watchPools, type PoolWatch } from './watch.ts';

const benchEnvSchema = z.object({
  BENCH_DATABASE_URL: z.string().url().optional(),
  TEST_DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().optional(),
  BENCH_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  BENCH_WARMUP_SECONDS: z.coerce.number().int().min(1).max(60).default(3),
  BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(256).default(16),
  BENCH_SLOT_REQUESTS: z.coerce.number().int().min(10).max(100_000).default(500),
  BENCH_PGBENCH_SCALE: z.coerce.number().int().min(1).max(1000).default(10),
  BENCH_PGBENCH_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  PGBENCH: z.string().default('pgbench'),
});

const DEPARTMENTS = 4;
const ADMIN = { email: 'bench-admin@hms.local', password: `bench ${randomBytes(12).toString('base64url')}` };

/** Undo steps, run last-in first-out exactly once, whether the run ends well, fails or is interrupted. */
class Cleanup {
  readonly #steps: { name: string; undo: () => Promise<void> }[] = [];
  #running: Promise<void> | undefined;

  add(name: string, undo: () => Promise<void>): void {
    this.#steps.push({ name, undo });
  }

  /** Runs and forgets the most recent step named `name` now. */
  async now(name: string): Promise<void> {
    const index = this.#steps.findLastIndex((step) => step.name === name);
    if (index < 0) return;
    const [step] = this.#steps.splice(index, 1);
    await step!.undo();
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
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
    })();
    return this.#running;
  }
}

/** The load generator process and the jobs sent to it. */
class LoadProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 0;

  constructor() {
    // No inherited flags (--cpu-prof profiles this process only).
    this.#child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], { execArgv: [], stdio: 'inherit' });
    this.#child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`load generator: ${message.error}`));
      else pending?.resolve(message.result);
    });
    this.#child.on('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(`the load generator exited (${signal ?? code})`));
      }
      this.#pending.clear();
    });
  }

  run<Result>(job: Job): Promise<Result> {
    const id = this.#nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, job });
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
  }
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const profiling = process.argv.includes('--cpu-prof');
  const settings = loadConfig(benchEnvSchema, process.env);
  const serverUrl =
    settings.BENCH_DATABASE_URL ?? settings.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const kafka = settings.KAFKA_BROKERS?.trim() || undefined;
  const cleanup = new Cleanup();
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const machine = await describeMachine(serverUrl);
    // Anything else running skews every figure: measured before the run starts, and reported.
    const busyBefore = await machineBusyShare();
    if (busyBefore > 0.2) {
      log(`warning: the machine is already ${(busyBefore * 100).toFixed(0)} % busy; the figures will be low`);
    }
    const pgbenchInfo = await pgbenchVersion(settings.PGBENCH);

    // 1. The graph, on a database of its own.
    const database = await createScratchDatabase(serverUrl, 'hms_bench');
    cleanup.add('bench database', database.drop);
    log(`database ${database.name}; starting the graph (${kafka ? `Kafka at ${kafka}` : 'in-process events'})`);
    // Express and Apollo Server read NODE_ENV from the process itself.
    process.env.NODE_ENV = 'production';
    const env = loadConfig(embeddedEnvSchema, {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HMS_TIMEZONE: 'UTC',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url,
      HMS_INTERNAL_TOKEN_SECRET: randomBytes(32).toString('base64url'),
      HMS_ADMIN_EMAIL: ADMIN.email,
      HMS_ADMIN_PASSWORD: ADMIN.password,
      ...(kafka ? { KAFKA_BROKERS: kafka, KAFKA_GROUP_PREFIX: `hms-bench-${randomBytes(4).toString('hex')}` } : {}),
    });
    const graphStartedAt = performance.now();
    const graph = await startGraph({ env });
    cleanup.add('graph', () => graph.stop());
    const graphStartSeconds = (performance.now() - graphStartedAt) / 1000;
    const load = new LoadProcess();
    cleanup.add('load generator', () => load.stop());

    // Set-up through the API, as an admin.
    const setupStartedAt = performance.now();
    const admin = await new GraphClient(graph.url).signIn(ADMIN.email, ADMIN.password);
    const doctorCount = Math.max(32, 2 * settings.BENCH_CONNECTIONS);
    const hospital = await setUpHospital(graph, admin, { env, doctorCount, departments: DEPARTMENTS });
    const { plan, fullDoctor, emptyDoctor, doctors, patientIds, setupBookings, slotsInDay, patientCount } = hospital;
    const slotsDay = plan.firstDay;
    const setupSeconds = (performance.now() - setupStartedAt) / 1000;
    log(
      `set up ${DEPARTMENTS} departments, ${doctors.length} doctors, ${patientIds.length} patients and ` +
        `${setupBookings} bookings in ${setupSeconds.toFixed(1)} s`,
    );

    // 2. Bookings: warm-up, then the measured run.
    const bookingJob = (seconds: number): Job => ({
      kind: 'bookings',
      url: graph.url,
      token: admin.token!,
      plan,
      seconds,
      connections: settings.BENCH_CONNECTIONS,
    });
    log(`warming up for ${settings.BENCH_WARMUP_SECONDS} s`);
    const warmup = await load.run<BookingRunResult>(bookingJob(settings.BENCH_WARMUP_SECONDS));
    await checkpoint(serverUrl);
    log(`booking for ${settings.BENCH_SECONDS} s with ${settings.BENCH_CONNECTIONS} connections`);
    const watch: PoolWatch = await watchPools(graph, serverUrl, database.name);
    const profiler = profiling ? await startProfiler() : undefined;
    const bookings = await load.run<BookingRunResult>(bookingJob(settings.BENCH_SECONDS));
    let profile: ProfileSummary | undefined;
    if (profiler) profile = await profiler.stop(join(tmpdir(), `hms-bench-${Date.now()}.cpuprofile`));
    const pools = await watch.stop();
    const appointmentsInDatabase = await onDatabase(database.url, async (client) => {
      const result = await client.query<{ count: number }>(
        'select count(*)::int as count from appointments.appointment',
      );
      return result.rows[0]!.count;
    });
    const expectedAppointments = setupBookings + warmup.ok + bookings.ok;

    // 3. availableSlots for the full and the empty day (each after a short warm-up of its own).
    const slotsJob = (doctorId: string, requests: number, expectedSlots: number): Job => ({
      kind: 'slots',
      url: graph.url,
      token: admin.token!,
      doctorId,
      date: slotsDay,
      requests,
      expectedSlots,
    });
    log(`availableSlots: ${settings.BENCH_SLOT_REQUESTS} sequential requests for a full day and an empty one`);
    await load.run<SlotsRunResult>(slotsJob(fullDoctor.id, 50, 0));
    const slotsFull = await load.run<SlotsRunResult>(slotsJob(fullDoctor.id, settings.BENCH_SLOT_REQUESTS, 0));
    await load.run<SlotsRunResult>(slotsJob(emptyDoctor.id, 50, slotsInDay));
    const slotsEmpty = await load.run<SlotsRunResult>(
      slotsJob(emptyDoctor.id, settings.BENCH_SLOT_REQUESTS, slotsInDay),
    );

    await cleanup.now('load generator');
    await cleanup.now('graph');
    await cleanup.now('bench database');

    // 4. pgbench on the same server, with the graph stopped.
    const scratch = await createScratchDatabase(serverUrl, 'hms_pgbench');
    cleanup.add('pgbench database', scratch.drop);
    log(`pgbench: -i -s ${settings.BENCH_PGBENCH_SCALE}, then -c 16 -j 2 -T ${settings.BENCH_PGBENCH_SECONDS}`);
    await checkpoint(serverUrl);
    const tpcb = await pgbench(scratch.url, {
      pgbench: settings.PGBENCH,
      scale: settings.BENCH_PGBENCH_SCALE,
      clients: 16,
      threads: 2,
      seconds: settings.BENCH_PGBENCH_SECONDS,
    });
    await cleanup.now('pgbench database');

    const report: BenchReport = {
      date: new Date(),
      command: profiling ? 'npm run bench -- --cpu-prof' : 'npm run bench',
      machine,
      busyBefore,
      pgbenchVersion: pgbenchInfo,
      graph: {
        events: kafka ? `Kafka (${kafka})` : 'in-process',
        poolMax: env.DATABASE_POOL_MAX,
        startSeconds: graphStartSeconds,
        setupSeconds,
        doctors: doctorCount,
        patients: patientCount,
        firstDay: plan.firstDay,
        slotsPerDay: plan.slotMinutes.length,
      },
      bookings: {
        connections: settings.BENCH_CONNECTIONS,
        seconds: settings.BENCH_SECONDS,
        warmupSeconds: settings.BENCH_WARMUP_SECONDS,
        warmup,
        run: bookings,
        latency: summarise(bookings.latenciesMs),
        perSecond: bookings.ok / bookings.seconds,
        appointmentsInDatabase,
        expectedAppointments,
        setupBookings,
        pools,
      },
      pgbench: tpcb,
      slots: {
        date: slotsDay,
        slotsInDay,
        full: { ...slotsFull, latency: summarise(slotsFull.latenciesMs) },
        empty: { ...slotsEmpty, latency: summarise(slotsEmpty.latenciesMs) },
      },
      profile,
      totalSeconds: (performance.now() - startedAt) / 1000,
    };
    const problems = problemsOf(report);
    process.stdout.write(formatTable(report, problems));
    if (problems.length > 0) {
      console.error(`\nThe run is not valid, BENCHMARKS.md was not written:\n  - ${problems.join('\n  - ')}`);
      return 1;
    }
    if (profiling) {
      log('profiled run: BENCHMARKS.md left as it is');
    } else {
      const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
      writeFileSync(path, await renderMarkdown(report, path));
      log(`wrote ${path}`);
    }
    return 0;
  } finally {
    await cleanup.run();
  }
}

/** What makes a run's figures untrustworthy: errors, lost requests, a database that disagrees. */
function problemsOf(report: BenchReport): string[] {
  const problems: string[] = [];
  const { bookings, slots } = report;
  for (const [name, run] of [
    ['warm-up', bookings.warmup],
    ['booking run', bookings.run],
  ] as const) {
    const errors = Object.entries(run.errorCodes);
    if (errors.length > 0) problems.push(`${name}: errors ${errors.map(([code, n]) => `${code} ×${n}`).join(', ')}`);
    if (run.unanswered > 0) problems.push(`${name}: ${run.unanswered} bookings never answered`);
    if (run.connectionErrors > 0 || run.timeouts > 0) {
      problems.push(`${name}: ${run.connectionErrors} connection errors, ${run.timeouts} timeouts`);
    }
  }
  if (bookings.appointmentsInDatabase !== bookings.expectedAppointments) {
    problems.push(
      `the database holds ${bookings.appointmentsInDatabase} appointments, the successful answers say ` +
        `${bookings.expectedAppointments}`,
    );
  }
  for (const [name, run] of [
    ['availableSlots (full day)', slots.full],
    ['availableSlots (empty day)', slots.empty],
  ] as const) {
    const errors = Object.entries(run.errors);
    if (errors.length > 0) problems.push(`${name}: ${errors.map(([code, n]) => `${code} ×${n}`).join(', ')}`);
  }
  if (report.pgbench.failed > 0) problems.push(`pgbench: ${report.pgbench.failed} failed transactions`);
  return problems;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
});
