/**
 * `npm run bench`: one run on real PostgreSQL and real Kafka that measures
 *
 *  1. bookings per second through the gateway (BENCH_CONNECTIONS concurrent clients, p50/p99 latency), every request
 *     a valid, distinct booking planned up front (`plan.ts`), checked against the database afterwards;
 *  2. pgbench's built-in TPC-B-like script on the same server (as many clients), and the ratio of the two;
 *  3. `Doctor.availableSlots` latency for a full day (at the daily cap) and an empty one;
 *  4. realtime delivery (`realtime.ts`): from a mutation's response to each of BENCH_SUBSCRIBERS graphql-ws
 *     subscribers' message (p50/p99), next to kafkajs's own produce→consume latency on the same broker, and their
 *     ratio;
 *
 * prints a table and writes BENCHMARKS.md. The whole graph runs in this process (`startGraph`) on a database it
 * creates and drops, with its events on Kafka under topics and consumer groups of its own; the load comes from a
 * child process (`load.ts`). Without KAFKA_BROKERS it starts a single-node broker of its own (`.ci/kafka.sh`, in
 * /tmp/hms-bench-kafka on 127.0.0.1:19092, see `kafka.ts`). Everything it created is removed on the way out, the
 * broker it started included, failures and Ctrl-C too. `--cpu-prof` also profiles the graph during the measured
 * booking run (the figures are then printed but BENCHMARKS.md is left as it is).
 *
 * Environment: BENCH_DATABASE_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres), the
 * server to use; KAFKA_BROKERS, a broker to use instead of starting one; BENCH_SECONDS, BENCH_WARMUP_SECONDS,
 * BENCH_CONNECTIONS, BENCH_SLOT_REQUESTS, BENCH_SUBSCRIBERS, BENCH_REALTIME_WARMUP, BENCH_REALTIME_EVENTS,
 * BENCH_PGBENCH_SCALE, BENCH_PGBENCH_SECONDS, PGBENCH (the binary).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { embeddedEnvSchema } from '../../embedded/config.ts';
import { startGraph } from '../../embedded/graph.ts';
import { databaseEnv, loadConfig } from '../../platform/config.ts';
import { GraphClient } from '../../platform/graphql/client.ts';
import { createDatabase, onServer } from '../../platform/testing/database.ts';
import { OWN_BROKER, removeRunFromBroker, startOwnBroker, untilEventsHandled } from './kafka.ts';
import type { BookingRunResult, Job, RealtimeRunResult, SlotsRunResult } from './load.ts';
import { describeMachine, machineBusyShare } from './machine.ts';
import { checkpoint, pgbenchInit, pgbenchRun, pgbenchVersion, type PgbenchResult } from './postgres.ts';
import { startProfiler, type ProfileSummary } from './profile.ts';
import { formatTable, realtimeProblems, renderMarkdown, type BenchReport } from './report.ts';
import { setUpHospital } from './setup.ts';
import { compareDelivery, summarise } from './stats.ts';
import { watchPools } from './watch.ts';

const benchEnvSchema = z.object({
  BENCH_DATABASE_URL: z.string().url().optional(),
  TEST_DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().optional(),
  BENCH_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  BENCH_WARMUP_SECONDS: z.coerce.number().int().min(1).max(60).default(3),
  BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(256).default(16),
  BENCH_SLOT_REQUESTS: z.coerce.number().int().min(10).max(100_000).default(500),
  BENCH_SUBSCRIBERS: z.coerce.number().int().min(1).max(1000).default(100),
  BENCH_REALTIME_WARMUP: z.coerce.number().int().min(1).max(1000).default(20),
  BENCH_REALTIME_EVENTS: z.coerce.number().int().min(10).max(2000).default(200),
  BENCH_PGBENCH_SCALE: z.coerce.number().int().min(1).max(1000).default(10),
  BENCH_PGBENCH_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  PGBENCH: z.string().default('pgbench'),
});

const DEPARTMENTS = 4;
/** availableSlots requests before each measured series. */
const SLOT_WARMUP_REQUESTS = 50;
const ADMIN = { email: 'bench-admin@hms.local', password: `bench ${randomBytes(12).toString('base64url')}` };
/** How long a subscriber's message (or a Kafka message) may take before it counts as lost. */
const REALTIME_TIMEOUT_MS = 10_000;
/** How long the realtime part waits for the graph to handle the events of the booking run before it starts. */
const EVENTS_HANDLED_TIMEOUT_MS = 180_000;

/**
 * Undo steps, run last-in first-out exactly once, whether the run ends well, fails or is interrupted. A step added
 * once the clean-up has begun (something started while it ran) is undone at once.
 */
class Cleanup {
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

/** The load generator process and the jobs sent to it. */
class LoadProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 0;

  constructor() {
    // No inherited flags (--cpu-prof profiles this process only). kafkajs sets timers with negative delays (harmless,
    // Node warns of them: silenced as in `npm run test:jest`).
    this.#child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], {
      execArgv: ['--disable-warning=TimeoutNegativeWarning'],
      stdio: 'inherit',
    });
    this.#child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`load generator: ${message.error}`));
      else pending?.resolve(message.result);
    });
    this.#child.on('exit', (code, signal) => this.#failAll(new Error(`the load generator exited (${signal ?? code})`)));
    // Not started, or a message that could not be sent: without a listener, the error would end this process.
    this.#child.on('error', (error) => this.#failAll(new Error(`the load generator: ${error.message}`)));
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  run<Result>(job: Job): Promise<Result> {
    if (!this.#child.connected) return Promise.reject(new Error('the load generator is not running'));
    const id = this.#nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, job }, (error) => {
        if (!error) return;
        this.#pending.delete(id);
        reject(new Error(`the load generator: ${error.message}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.kill('SIGTERM')) await exited;
  }
}

/** Minutes after midnight as `HH:MM`. */
function timeOfDay(minutes: number): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
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
  const givenBrokers = settings.KAFKA_BROKERS?.trim() || undefined;
  const cleanup = new Cleanup();
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(signal === 'SIGTERM' ? 143 : 130));
  };
  // What went differently from the method the report describes.
  const notes: string[] = [];
  const checkpointBefore = async (what: string) => {
    try {
      await checkpoint(serverUrl);
    } catch (error) {
      const note = `no checkpoint before ${what} (${error instanceof Error ? error.message : String(error)})`;
      log(`warning: ${note}`);
      notes.push(note);
    }
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

    // Kafka: the broker given, else one of the bench's own (started after the idle check above).
    const run = randomBytes(4).toString('hex');
    const kafka = {
      brokers: givenBrokers ?? '',
      description: '',
      topicPrefix: `hms-bench-${run}.`,
      groupPrefix: `hms-bench-${run}`,
    };
    if (givenBrokers) {
      kafka.description = `the broker at \`KAFKA_BROKERS\` (${givenBrokers})`;
      // The run's topics and groups go once the graph has stopped (this step is undone after it).
      cleanup.add('Kafka topics and groups', () =>
        removeRunFromBroker({
          brokers: brokerList(givenBrokers),
          topicPrefix: kafka.topicPrefix,
          groupPrefix: kafka.groupPrefix,
        }),
      );
    } else {
      log(`starting a Kafka broker of its own (${OWN_BROKER.homeDir}, 127.0.0.1:${OWN_BROKER.port})`);
      const brokerStartedAt = performance.now();
      const broker = startOwnBroker();
      cleanup.add('Kafka broker', broker.stop);
      kafka.brokers = await broker.ready;
      kafka.description =
        `a single-node broker the run started for itself (Apache Kafka ${ownKafkaVersion()}, KRaft, ` +
        `\`.ci/kafka.sh\`, ${kafka.brokers})`;
      log(`Kafka broker ready at ${kafka.brokers} in ${((performance.now() - brokerStartedAt) / 1000).toFixed(1)} s`);
    }
    const brokers = brokerList(kafka.brokers);

    // 1. The graph, on a database of its own.
    const database = await createDatabase(serverUrl, 'hms_bench');
    cleanup.add('bench database', database.drop);
    log(`database ${database.name}; starting the graph (events through Kafka at ${kafka.brokers})`);
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
      // Its own groups and topics: the bench reads none of another run's events.
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_GROUP_PREFIX: kafka.groupPrefix,
      KAFKA_TOPIC_PREFIX: kafka.topicPrefix,
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
    const hospital = await setUpHospital(graph, admin, { env, doctorCount, departmentCount: DEPARTMENTS });
    const { plan, fullDoctor, emptyDoctor, slotsInDay } = hospital;
    const slotsDay = plan.firstDay;
    // The full day: one booking in each of the plan's slots.
    const setupBookings = plan.slotMinutes.length;
    const setupSeconds = (performance.now() - setupStartedAt) / 1000;
    log(
      `set up ${DEPARTMENTS} departments, ${plan.doctors.length + 2} doctors, ${plan.patientIds.length + 1} patients ` +
        `and ${setupBookings} bookings in ${setupSeconds.toFixed(1)} s`,
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
    await checkpointBefore('the booking run');
    log(`booking for ${settings.BENCH_SECONDS} s with ${settings.BENCH_CONNECTIONS} connections`);
    // Stopped by the clean-up if the run fails (stop() may then be called twice). The watch stops first, so that
    // writing the profile is not counted in the graph's figures.
    const profilePath = join(tmpdir(), `hms-bench-${Date.now()}.cpuprofile`);
    const profiler = profiling ? await startProfiler() : undefined;
    if (profiler) cleanup.add('profiler', async () => void (await profiler.stop(profilePath)));
    const watch = await watchPools(graph, serverUrl, database.name);
    cleanup.add('pool watch', async () => void (await watch.stop()));
    const bookings = await load.run<BookingRunResult>(bookingJob(settings.BENCH_SECONDS));
    const pools = await watch.stop();
    const profile: ProfileSummary | undefined = await profiler?.stop(profilePath);
    const appointmentsInDatabase = await onServer(database.url, async (client) => {
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
    const slotsFullWarmup = await load.run<SlotsRunResult>(slotsJob(fullDoctor.id, SLOT_WARMUP_REQUESTS, 0));
    const slotsFull = await load.run<SlotsRunResult>(slotsJob(fullDoctor.id, settings.BENCH_SLOT_REQUESTS, 0));
    const slotsEmptyWarmup = await load.run<SlotsRunResult>(slotsJob(emptyDoctor.id, SLOT_WARMUP_REQUESTS, slotsInDay));
    const slotsEmpty = await load.run<SlotsRunResult>(
      slotsJob(emptyDoctor.id, settings.BENCH_SLOT_REQUESTS, slotsInDay),
    );

    // 4. Realtime: once the graph has handled the booking run's events, subscription delivery to
    // BENCH_SUBSCRIBERS reception staff clients, then kafkajs alone on the same broker.
    log('realtime: waiting until the graph has published and consumed every event so far');
    const handled = await untilEventsHandled({
      brokers,
      groupPrefix: kafka.groupPrefix,
      databaseUrl: database.url,
      timeoutMs: EVENTS_HANDLED_TIMEOUT_MS,
    });
    if (handled.seconds === undefined) {
      const note =
        `the graph still had ${handled.backlog.unpublished} events to publish and ${handled.backlog.unconsumed} to ` +
        `consume after ${EVENTS_HANDLED_TIMEOUT_MS / 1000} s; the realtime part ran anyway`;
      log(`warning: ${note}`);
      notes.push(note);
    }
    // Fresh tokens: a long booking run must not leave the realtime part with an expiring one.
    const realtimeAdmin = await new GraphClient(graph.url).signIn(ADMIN.email, ADMIN.password);
    const receptionist = await aReceptionist(realtimeAdmin);
    const realtimeMutations = settings.BENCH_REALTIME_WARMUP + settings.BENCH_REALTIME_EVENTS;
    const appointmentIds = await onServer(database.url, async (client) => {
      const result = await client.query<{ id: string }>(
        `select id from appointments.appointment where status = 'PENDING' order by starts_at, id limit $1`,
        [realtimeMutations],
      );
      return result.rows.map((row) => row.id);
    });
    if (appointmentIds.length < realtimeMutations) {
      throw new Error(
        `the booking run left ${appointmentIds.length} PENDING appointments, ${realtimeMutations} needed`,
      );
    }
    await checkpointBefore('the realtime run');
    log(
      `realtime: ${settings.BENCH_SUBSCRIBERS} subscribers, ${settings.BENCH_REALTIME_WARMUP} warm-up and ` +
        `${settings.BENCH_REALTIME_EVENTS} measured mutations, then kafkajs alone`,
    );
    // The gateway's own count of live subscriptions, sampled while the job runs.
    let gatewaySubscriptions = 0;
    const subscriptionSampler = setInterval(() => {
      gatewaySubscriptions = Math.max(gatewaySubscriptions, graph.gateway.realtime.subscriptions);
    }, 100);
    subscriptionSampler.unref();
    const realtimeRun = await load
      .run<RealtimeRunResult>({
        kind: 'realtime',
        url: graph.url,
        adminToken: realtimeAdmin.token!,
        subscriberToken: receptionist.token!,
        subscribers: settings.BENCH_SUBSCRIBERS,
        appointmentIds,
        warmup: settings.BENCH_REALTIME_WARMUP,
        events: settings.BENCH_REALTIME_EVENTS,
        timeoutMs: REALTIME_TIMEOUT_MS,
        kafka: {
          brokers,
          topic: `${kafka.topicPrefix}bench-latency`,
          groupId: `${kafka.groupPrefix}.bench-latency`,
          replicationFactor: env.KAFKA_REPLICATION_FACTOR,
        },
      })
      .finally(() => clearInterval(subscriptionSampler));
    const confirmedInDatabase = await onServer(database.url, async (client) => {
      const result = await client.query<{ count: number }>(
        `select count(*)::int as count from appointments.appointment where id = any($1::uuid[]) and status = 'CONFIRMED'`,
        [appointmentIds],
      );
      return result.rows[0]!.count;
    });
    const { delivery } = realtimeRun;
    const succeeded = (mutations: number, errors: Record<string, number>) =>
      mutations - Object.values(errors).reduce((sum, n) => sum + n, 0);
    const expectedConfirmed =
      succeeded(delivery.warmup.mutations, delivery.warmup.errors) + succeeded(delivery.mutations, delivery.errors);

    await cleanup.now('load generator');
    await cleanup.now('graph');
    await cleanup.now('bench database');
    await cleanup.now('Kafka topics and groups');
    await cleanup.now('Kafka broker');

    // 5. pgbench on the same server, with the graph stopped, as many clients as the booking run's connections.
    const scratch = await createDatabase(serverUrl, 'hms_pgbench');
    cleanup.add('pgbench database', scratch.drop);
    const pgbenchOptions = {
      pgbench: settings.PGBENCH,
      scale: settings.BENCH_PGBENCH_SCALE,
      clients: settings.BENCH_CONNECTIONS,
      threads: Math.min(2, settings.BENCH_CONNECTIONS),
      seconds: settings.BENCH_PGBENCH_SECONDS,
    };
    log(
      `pgbench: -i -s ${pgbenchOptions.scale}, a checkpoint, then -c ${pgbenchOptions.clients} ` +
        `-j ${pgbenchOptions.threads} -T ${pgbenchOptions.seconds}`,
    );
    const initSeconds = await pgbenchInit(scratch.url, pgbenchOptions);
    await checkpointBefore('the pgbench run');
    const tpcb: PgbenchResult = { ...(await pgbenchRun(scratch.url, pgbenchOptions)), ...pgbenchOptions, initSeconds };
    await cleanup.now('pgbench database');

    const report: BenchReport = {
      date: new Date(),
      command: profiling ? 'npm run bench -- --cpu-prof' : 'npm run bench',
      machine,
      busyBefore,
      pgbenchVersion: pgbenchInfo,
      graph: {
        kafka: {
          broker: kafka.description,
          partitions: env.KAFKA_TOPIC_PARTITIONS,
          topicPrefix: kafka.topicPrefix,
        },
        poolMax: env.DATABASE_POOL_MAX,
        poolMaxIsDefault: env.DATABASE_POOL_MAX === databaseEnv.DATABASE_POOL_MAX.parse(undefined),
        timeZone: env.HMS_TIMEZONE,
        clinicHours: env.HMS_CLINIC_HOURS,
        slotMinutes: env.HMS_SLOT_MINUTES,
        dailyCap: env.HMS_DOCTOR_DAILY_CAP,
        startSeconds: graphStartSeconds,
        setupSeconds,
        departments: DEPARTMENTS,
        doctors: plan.doctors.length,
        patients: plan.patientIds.length,
        firstDay: plan.firstDay,
        slotsPerDay: plan.slotMinutes.length,
        firstSlot: timeOfDay(plan.slotMinutes[0]!),
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
        full: { ...slotsFull, latency: summarise(slotsFull.latenciesMs), warmup: slotsFullWarmup },
        empty: { ...slotsEmpty, latency: summarise(slotsEmpty.latenciesMs), warmup: slotsEmptyWarmup },
      },
      realtime: {
        subscribers: settings.BENCH_SUBSCRIBERS,
        warmup: settings.BENCH_REALTIME_WARMUP,
        events: settings.BENCH_REALTIME_EVENTS,
        timeoutMs: REALTIME_TIMEOUT_MS,
        run: realtimeRun,
        comparison: compareDelivery(delivery.latenciesMs, realtimeRun.kafka.latenciesMs),
        mutationLatency: summarise(delivery.mutationLatenciesMs),
        firstSubscriber: summarise(delivery.firstLatenciesMs),
        lastSubscriber: summarise(delivery.lastLatenciesMs),
        gatewaySubscriptions,
        confirmedInDatabase,
        expectedConfirmed,
        eventsHandledSeconds: handled.seconds,
      },
      profile,
      notes,
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

/** `KAFKA_BROKERS`'s comma-separated list. */
function brokerList(brokers: string): string[] {
  return brokers
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}

/** The Apache Kafka version `.ci/kafka.sh` runs (its POM's `kafka.version`). */
function ownKafkaVersion(): string {
  const pom = readFileSync(fileURLToPath(new URL('../../.ci/kafka/pom.xml', import.meta.url)), 'utf8');
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown version';
}

/** A RECEPTION staff member created through the API, signed in (reception is told of every appointment). */
async function aReceptionist(admin: GraphClient): Promise<GraphClient> {
  const email = `bench-reception-${randomBytes(4).toString('hex')}@hms.local`;
  const password = `bench ${randomBytes(12).toString('base64url')}`;
  await admin.data('mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) { id } }', {
    input: { email, password, roles: ['RECEPTION'] },
  });
  return admin.withToken(undefined).signIn(email, password);
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
    ['availableSlots warm-up (full day)', slots.full.warmup],
    ['availableSlots (full day)', slots.full],
    ['availableSlots warm-up (empty day)', slots.empty.warmup],
    ['availableSlots (empty day)', slots.empty],
  ] as const) {
    const errors = Object.entries(run.errors);
    if (errors.length > 0) problems.push(`${name}: ${errors.map(([code, n]) => `${code} ×${n}`).join(', ')}`);
    if (run.connectionErrors > 0 || run.timeouts > 0) {
      problems.push(`${name}: ${run.connectionErrors} connection errors, ${run.timeouts} timeouts`);
    }
    if (run.ok !== run.requests) problems.push(`${name}: ${run.ok} of ${run.requests} requests answered correctly`);
  }
  if (report.pgbench.failed > 0) problems.push(`pgbench: ${report.pgbench.failed} failed transactions`);
  problems.push(...realtimeProblems(report.realtime));
  return problems;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
});
