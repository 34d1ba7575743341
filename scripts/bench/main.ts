/**
 * `npm run bench`: one run on real PostgreSQL and real Kafka that measures, side by side in the same run,
 *
 *  1. gateway overhead: the federated patient query through our gateway against the same data fetched from the
 *     subgraphs directly, and our gateway against Hive Gateway on the same supergraph, subgraphs and query mix
 *     (`gateways.ts`);
 *  2. batching: the subgraph requests and SQL statements of a page of 10, 50 and 100 patients (`batching.ts`);
 *  3. writes: bookings and payments per second through the gateway (every request a valid, distinct mutation,
 *     checked against the database afterwards), against pgbench's TPC-B-like script on the same server;
 *  4. `Doctor.availableSlots` latency for a full day and an empty one;
 *  5. realtime delivery (`realtime.ts`) next to kafkajs's own produce→consume latency on the same broker;
 *  6. growth (`growth.ts`): the same queries at 10,000 and at 1,000,000 generated patients (`generate.ts`);
 *
 * prints a table and writes BENCHMARKS.md, with each target of issue 10 met or not. Processes: every subgraph runs in
 * this process (`subgraphs.ts`) on a database it creates and drops, events on Kafka under topics and consumer groups
 * of its own; our gateway (`gateway-process.ts`) and Hive Gateway (`hive-gateway.ts`, installed outside the project
 * by `hive.ts`) each run in a process of their own in front of it; the load comes from a fourth (`load.ts`). Without
 * KAFKA_BROKERS it starts a single-node broker of its own (`.ci/kafka.sh`, see `kafka.ts`). Everything it created is
 * removed on the way out, failures and Ctrl-C too. `--cpu-prof` also profiles our gateway and the subgraphs during
 * the read run and the booking run (the figures are then printed but BENCHMARKS.md is left as it is).
 *
 * Environment: BENCH_DATABASE_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres), the
 * server to use; KAFKA_BROKERS, a broker to use instead of starting one; BENCH_SECONDS, BENCH_WARMUP_SECONDS,
 * BENCH_CONNECTIONS, BENCH_READ_SECONDS, BENCH_READERS, BENCH_PAYABLE_BILLS, BENCH_SLOT_REQUESTS, BENCH_SUBSCRIBERS,
 * BENCH_REALTIME_WARMUP, BENCH_REALTIME_EVENTS, BENCH_GROWTH_SECONDS, BENCH_PGBENCH_SCALE, BENCH_PGBENCH_SECONDS,
 * PGBENCH (the binary); BENCH_ONLY, a comma-separated list of parts (reads, batching, writes, slots, realtime, growth)
 * to run alone while developing (BENCHMARKS.md is then left as it is).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { embeddedEnvSchema } from '../../embedded/config.ts';
import { principalFromClaims } from '../../platform/auth/access-token.ts';
import { clinicHours, databaseEnv, loadConfig } from '../../platform/config.ts';
import { GraphClient } from '../../platform/graphql/client.ts';
import { createDatabase, onServer } from '../../platform/testing/database.ts';
import { describeBatching, measureBatching, type BatchingMeasurement } from './batching.ts';
import { BenchChild } from './child.ts';
import { Cleanup, log } from './cleanup.ts';
import type { GatewayJob } from './gateway-process.ts';
import { measureGateways, type GatewayFigures } from './gateways.ts';
import { measureGrowth, type GrowthFigures } from './growth.ts';
import { ensureHiveGateway, HIVE_GATEWAY_VERSION } from './hive.ts';
import { OWN_BROKER, removeRunFromBroker, startOwnBroker, untilEventsHandled } from './kafka.ts';
import type { Job, RealtimeRunResult, ReadJob, ReadRunResult, SlotsRunResult, WriteRunResult } from './load.ts';
import { describeMachine, machineBusyShare, meterMachine } from './machine.ts';
import { checkpoint, pgbenchInit, pgbenchRun, pgbenchVersion, type PgbenchResult } from './postgres.ts';
import { startProfiler, type ProfileSummary } from './profile.ts';
import { body, PATIENT_PAGE_QUERY, PATIENT_QUERY, READER_FAMILY_NAME, setUpReaders, SLOTS_QUERY } from './reads.ts';
import { renderMarkdown } from './markdown.ts';
import { formatTable, problemsOf, type BenchReport, type WriteFigures } from './report.ts';
import { setUpHospital, setUpPayableBills, untilKnown } from './setup.ts';
import { compareDelivery, summarise } from './stats.ts';
import { startSubgraphs } from './subgraphs.ts';
import type { ProcessUsage } from './usage.ts';
import { watchPools } from './watch.ts';

const PARTS = ['reads', 'batching', 'writes', 'slots', 'realtime', 'growth'] as const;
type Part = (typeof PARTS)[number];

const benchEnvSchema = z.object({
  BENCH_DATABASE_URL: z.string().url().optional(),
  TEST_DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().optional(),
  BENCH_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  BENCH_WARMUP_SECONDS: z.coerce.number().int().min(1).max(60).default(3),
  BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(256).default(16),
  BENCH_READ_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  BENCH_READERS: z.coerce.number().int().min(1).max(40).default(16),
  BENCH_PAYABLE_BILLS: z.coerce.number().int().min(1).max(1000).default(64),
  BENCH_SLOT_REQUESTS: z.coerce.number().int().min(10).max(100_000).default(200),
  BENCH_SUBSCRIBERS: z.coerce.number().int().min(1).max(1000).default(100),
  BENCH_REALTIME_WARMUP: z.coerce.number().int().min(1).max(1000).default(20),
  BENCH_REALTIME_EVENTS: z.coerce.number().int().min(10).max(2000).default(200),
  BENCH_GROWTH_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  BENCH_PGBENCH_SCALE: z.coerce.number().int().min(1).max(1000).default(10),
  BENCH_PGBENCH_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  PGBENCH: z.string().default('pgbench'),
  BENCH_ONLY: z
    .string()
    .optional()
    .transform((value, context) => {
      if (!value) return undefined;
      const parts = value.split(',').map((part) => part.trim());
      for (const part of parts) {
        if (!(PARTS as readonly string[]).includes(part)) {
          context.addIssue({ code: 'custom', message: `unknown part ${part}; parts: ${PARTS.join(', ')}` });
        }
      }
      return new Set(parts as Part[]);
    }),
});

const DEPARTMENTS = 4;
/** availableSlots requests before each measured series. */
const SLOT_WARMUP_REQUESTS = 20;
const ADMIN = { email: 'bench-admin@hms.local', password: `bench ${randomBytes(12).toString('base64url')}` };
/** How long a subscriber's message (or a Kafka message) may take before it counts as lost. */
const REALTIME_TIMEOUT_MS = 10_000;
/** How long the realtime part waits for the graph to handle the events of the earlier parts before it starts. */
const EVENTS_HANDLED_TIMEOUT_MS = 180_000;
/** How long a measured run waits for the events of the runs before it. */
const SETTLE_TIMEOUT_MS = 120_000;
/** Minor units per payment of the payment run (bills hold 1,050,000,000). */
const PAYMENT_AMOUNT = 100;

/** Minutes after midnight as `HH:MM`. */
function timeOfDay(minutes: number): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const profiling = process.argv.includes('--cpu-prof');
  const settings = loadConfig(benchEnvSchema, process.env);
  const runs = (part: Part) => !settings.BENCH_ONLY || settings.BENCH_ONLY.has(part);
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
    const machineDuringRun = meterMachine();
    const hiveInstall = runs('reads') ? await ensureHiveGateway() : undefined;
    if (hiveInstall?.installedSeconds !== undefined) {
      log(
        `installed Hive Gateway ${HIVE_GATEWAY_VERSION} in ${hiveInstall.dir} (${hiveInstall.installedSeconds.toFixed(0)} s)`,
      );
    }

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
    // The subgraphs, in this process, on a database of their own.
    const database = await createDatabase(serverUrl, 'hms_bench');
    /** Waits (at most 2 minutes) until every event so far is published and consumed; a note if it is not. */
    const settle = async (before: string) => {
      const handled = await untilEventsHandled({
        brokers,
        groupPrefix: kafka.groupPrefix,
        databaseUrl: database.url,
        timeoutMs: SETTLE_TIMEOUT_MS,
      });
      if (handled.seconds === undefined) {
        const note =
          `${handled.backlog.unpublished} events unpublished and ${handled.backlog.unconsumed} unconsumed after ` +
          `${SETTLE_TIMEOUT_MS / 1000} s before ${before}; it ran anyway`;
        log(`warning: ${note}`);
        notes.push(note);
      }
    };

    cleanup.add('bench database', database.drop);
    log(`database ${database.name}; starting the subgraphs (events through Kafka at ${kafka.brokers})`);
    // Express and Apollo Server read NODE_ENV from the process itself.
    process.env.NODE_ENV = 'production';
    const internalTokenSecret = randomBytes(32).toString('base64url');
    const env = loadConfig(embeddedEnvSchema, {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HMS_TIMEZONE: 'UTC',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url,
      HMS_INTERNAL_TOKEN_SECRET: internalTokenSecret,
      HMS_ADMIN_EMAIL: ADMIN.email,
      HMS_ADMIN_PASSWORD: ADMIN.password,
      // Its own groups and topics: the bench reads none of another run's events.
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_GROUP_PREFIX: kafka.groupPrefix,
      KAFKA_TOPIC_PREFIX: kafka.topicPrefix,
    });
    const graphStartedAt = performance.now();
    const host = await startSubgraphs(env);
    cleanup.add('subgraphs', () => host.stop());
    const load = new BenchChild<Job>('the load generator', fileURLToPath(new URL('./load.ts', import.meta.url)));
    cleanup.add('load generator', () => load.stop());

    // Our gateway, configured as `gateway/main.ts` is, and Hive Gateway: each a process of its own.
    const ours = new BenchChild<GatewayJob>(
      'our gateway',
      fileURLToPath(new URL('./gateway-process.ts', import.meta.url)),
      {
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          HOST: '127.0.0.1',
          PORT: '0',
          HMS_INTERNAL_TOKEN_SECRET: internalTokenSecret,
          HMS_JWKS_URL: host.tokens.jwksUrl,
          HMS_REVOCATIONS_URL: host.tokens.revocationsUrl,
          HMS_JWT_ISSUER: host.tokens.issuer,
          HMS_JWT_AUDIENCE: host.tokens.audience,
          // The load comes from one admin: a per-user budget (3,000 a minute by default) would refuse most of it.
          // Hive Gateway runs without one too.
          HMS_GATEWAY_RATE_LIMIT_PER_USER: '0',
          KAFKA_BROKERS: kafka.brokers,
          KAFKA_GROUP_PREFIX: kafka.groupPrefix,
          KAFKA_TOPIC_PREFIX: kafka.topicPrefix,
          ...Object.fromEntries(
            Object.entries(host.subgraphUrls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
          ),
        },
      },
    );
    cleanup.add('our gateway', () => ours.stop());
    const hive = hiveInstall
      ? new BenchChild<GatewayJob>('Hive Gateway', fileURLToPath(new URL('./hive-gateway.ts', import.meta.url)), {
          env: {
            NODE_ENV: 'production',
            HMS_BENCH_HIVE_SETTINGS: JSON.stringify({
              dir: hiveInstall.dir,
              subgraphUrls: host.subgraphUrls,
              jwksUrl: host.tokens.jwksUrl,
              issuer: host.tokens.issuer,
              audience: host.tokens.audience,
              internalTokenSecret,
            }),
          },
        })
      : undefined;
    if (hive) cleanup.add('Hive Gateway', () => hive.stop());
    const [oursUrl, hiveUrl] = await Promise.all([
      ours.run<{ url: string }>({ kind: 'start' }).then((started) => started.url),
      hive?.run<{ url: string }>({ kind: 'start' }).then((started) => started.url),
    ]);
    const graphStartSeconds = (performance.now() - graphStartedAt) / 1000;
    log(
      `subgraphs and gateways up in ${graphStartSeconds.toFixed(1)} s: ours at ${oursUrl}, Hive at ${hiveUrl ?? '(not run)'}`,
    );
    // Each process under test profiles itself (this one for the subgraphs).
    let subgraphProfiler: Awaited<ReturnType<typeof startProfiler>> | undefined;
    const profiler = profiling
      ? {
          async start() {
            subgraphProfiler = await startProfiler();
            await ours.run({ kind: 'profile-start' });
          },
          async stop() {
            const stamp = Date.now();
            const gateway = await ours.run<ProfileSummary>({
              kind: 'profile-stop',
              path: join(tmpdir(), `hms-bench-gateway-${stamp}.cpuprofile`),
            });
            const subgraphs = await subgraphProfiler!.stop(join(tmpdir(), `hms-bench-subgraphs-${stamp}.cpuprofile`));
            return { gateway, subgraphs };
          },
        }
      : undefined;

    // Set-up through the API, as an admin.
    const setupStartedAt = performance.now();
    const admin = await new GraphClient(oursUrl).signIn(ADMIN.email, ADMIN.password);
    const doctorCount = Math.max(32, 2 * settings.BENCH_CONNECTIONS);
    const hospital = await setUpHospital(host, admin, { env, doctorCount, departmentCount: DEPARTMENTS });
    const { plan, fullDoctor, emptyDoctor, slotsInDay } = hospital;
    const slotsDay = plan.firstDay;
    // The full day: one booking in each of the plan's slots.
    const setupBookings = plan.slotMinutes.length;
    const readers = await setUpReaders(admin, {
      count: settings.BENCH_READERS,
      doctor: fullDoctor,
      plan,
      untilKnown: (what, ids) => untilKnown(database.url, what, ids),
    });
    const setupSeconds = (performance.now() - setupStartedAt) / 1000;
    log(
      `set up ${DEPARTMENTS} departments, ${plan.doctors.length + 2} doctors, ${plan.patientIds.length + 1} patients, ` +
        `${setupBookings} bookings and ${readers.patientIds.length} reader patients in ${setupSeconds.toFixed(1)} s`,
    );

    // 1. Reads: gateway overhead and peer gateway.
    let gateways: GatewayFigures | undefined;
    if (hive && hiveUrl) {
      const patientBodies = readers.patientIds.map((id) => body(PATIENT_QUERY, { id }));
      const mixBodies = [
        ...patientBodies,
        body(PATIENT_PAGE_QUERY, { search: READER_FAMILY_NAME, first: 20 }),
        body(SLOTS_QUERY, { id: emptyDoctor.id, date: slotsDay }),
      ];
      const principal = principalFromClaims(jwt.decode(admin.token!));
      if (!principal) throw new Error("cannot read the admin's access token");
      await checkpointBefore('the read runs');
      gateways = await measureGateways({
        load,
        ours: { url: oursUrl, child: ours },
        hive: { url: hiveUrl, child: hive },
        subgraphNames: Object.fromEntries(Object.entries(host.subgraphUrls).map(([name, url]) => [url, name])),
        token: admin.token!,
        internal: { secret: internalTokenSecret, principal },
        patientBodies,
        mixBodies,
        connections: settings.BENCH_CONNECTIONS,
        seconds: settings.BENCH_READ_SECONDS,
        warmupSeconds: settings.BENCH_WARMUP_SECONDS,
        profile: profiler,
        settle,
        log,
      });
      // Hive Gateway is not needed any more: it leaves the machine to the rest.
      await cleanup.now('Hive Gateway');
    }

    // 2. Batching: a page's subgraph requests and SQL statements at 10, 50 and 100 patients.
    let batching: BatchingMeasurement[] | undefined;
    if (runs('batching')) {
      log('batching: counting a page of 10, 50 and 100 patients');
      batching = await measureBatching({ graph: host, admin, progress: log });
      log(`batching: ${describeBatching(batching)}`);
    }

    // 3. Writes: bookings, then payments, each a warm-up and a measured run.
    let writes:
      { bookings: WriteFigures; payments: WriteFigures; bookingProfiles?: GatewayFigures['profiles'] } | undefined;
    if (runs('writes')) {
      const bookingJob = (seconds: number): Job => ({
        kind: 'bookings',
        url: oursUrl,
        token: admin.token!,
        plan,
        seconds,
        connections: settings.BENCH_CONNECTIONS,
      });
      const appointmentsBefore = await count(
        database.url,
        'select count(*)::int as count from appointments.appointment',
      );
      const bookings = await measureWrites('bookings', bookingJob, {
        settings,
        load,
        ours,
        host,
        database,
        serverUrl,
        checkpointBefore,
        settle,
        profiler,
      });
      bookings.figures.database = {
        found: await count(database.url, 'select count(*)::int as count from appointments.appointment'),
        expected: appointmentsBefore + bookings.figures.warmup.ok + bookings.figures.run.ok,
        what:
          `appointments = ${appointmentsBefore} before + ${bookings.figures.warmup.ok} warm-up + ` +
          `${bookings.figures.run.ok} measured bookings`,
      };

      const billIds = await setUpPayableBills(admin, plan.patientIds, settings.BENCH_PAYABLE_BILLS);
      await untilKnown(database.url, 'bills', billIds);
      const paymentJob = (seconds: number): Job => ({
        kind: 'payments',
        url: oursUrl,
        token: admin.token!,
        billIds,
        amount: PAYMENT_AMOUNT,
        seconds,
        connections: settings.BENCH_CONNECTIONS,
      });
      const payments = await measureWrites('payments', paymentJob, {
        settings,
        load,
        ours,
        host,
        database,
        serverUrl,
        checkpointBefore,
        settle,
      });
      const paymentsInDatabase = await count(
        database.url,
        `select count(*)::int as count from payments.payment where bill_id = any($1::uuid[]) and status = 'SUCCEEDED'`,
        [billIds],
      );
      payments.figures.database = {
        found: paymentsInDatabase,
        expected: payments.figures.warmup.ok + payments.figures.run.ok,
        what: `succeeded payments of the ${billIds.length} bills = ${payments.figures.warmup.ok} warm-up + ${payments.figures.run.ok} measured`,
      };
      writes = { bookings: bookings.figures, payments: payments.figures, bookingProfiles: bookings.profiles };
    }

    // 4. availableSlots for the full and the empty day (each after a short warm-up of its own).
    let slots: BenchReport['slots'];
    if (runs('slots')) {
      const slotsJob = (doctorId: string, requests: number, expectedSlots: number): Job => ({
        kind: 'slots',
        url: oursUrl,
        token: admin.token!,
        doctorId,
        date: slotsDay,
        requests,
        expectedSlots,
      });
      log(`availableSlots: ${settings.BENCH_SLOT_REQUESTS} sequential requests for a full day and an empty one`);
      const fullWarmup = await load.run<SlotsRunResult>(slotsJob(fullDoctor.id, SLOT_WARMUP_REQUESTS, 0));
      const full = await load.run<SlotsRunResult>(slotsJob(fullDoctor.id, settings.BENCH_SLOT_REQUESTS, 0));
      const emptyWarmup = await load.run<SlotsRunResult>(slotsJob(emptyDoctor.id, SLOT_WARMUP_REQUESTS, slotsInDay));
      const empty = await load.run<SlotsRunResult>(slotsJob(emptyDoctor.id, settings.BENCH_SLOT_REQUESTS, slotsInDay));
      slots = {
        date: slotsDay,
        slotsInDay,
        full: { ...full, latency: summarise(full.latenciesMs), warmup: fullWarmup },
        empty: { ...empty, latency: summarise(empty.latenciesMs), warmup: emptyWarmup },
      };
    }

    // 5. Realtime: once the graph has handled every event so far, subscription delivery to BENCH_SUBSCRIBERS
    // reception staff clients, then kafkajs alone on the same broker.
    let realtime: BenchReport['realtime'];
    if (runs('realtime')) {
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
      // Fresh tokens: a long run must not leave the realtime part with an expiring one.
      const realtimeAdmin = await new GraphClient(oursUrl).signIn(ADMIN.email, ADMIN.password);
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
        throw new Error(`only ${appointmentIds.length} PENDING appointments are left, ${realtimeMutations} needed`);
      }
      await checkpointBefore('the realtime run');
      log(
        `realtime: ${settings.BENCH_SUBSCRIBERS} subscribers, ${settings.BENCH_REALTIME_WARMUP} warm-up and ` +
          `${settings.BENCH_REALTIME_EVENTS} measured mutations, then kafkajs alone`,
      );
      // The gateway's own count of live subscriptions, asked while the job runs.
      let gatewaySubscriptions = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const status = await ours.run<{ subscriptions: number }>({ kind: 'status' }).catch(() => undefined);
          gatewaySubscriptions = Math.max(gatewaySubscriptions, status?.subscriptions ?? 0);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      const realtimeRun = await load
        .run<RealtimeRunResult>({
          kind: 'realtime',
          url: oursUrl,
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
        .finally(() => (sampling = false));
      await sampler;
      const confirmedInDatabase = await count(
        database.url,
        `select count(*)::int as count from appointments.appointment where id = any($1::uuid[]) and status = 'CONFIRMED'`,
        [appointmentIds],
      );
      const { delivery } = realtimeRun;
      const succeeded = (mutations: number, errors: Record<string, number>) =>
        mutations - Object.values(errors).reduce((sum, n) => sum + n, 0);
      realtime = {
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
        expectedConfirmed:
          succeeded(delivery.warmup.mutations, delivery.warmup.errors) + succeeded(delivery.mutations, delivery.errors),
        eventsHandledSeconds: handled.seconds,
      };
    }

    // 6. Growth: the same queries at 10,000 and at 1,000,000 generated patients.
    let growth: GrowthFigures | undefined;
    if (runs('growth')) {
      const clinic = clinicHours(env.HMS_CLINIC_HOURS);
      const growthAdmin = await new GraphClient(oursUrl).signIn(ADMIN.email, ADMIN.password);
      growth = await measureGrowth({
        databaseUrl: database.url,
        gatewayUrl: oursUrl,
        token: growthAdmin.token!,
        seconds: settings.BENCH_GROWTH_SECONDS,
        warmupSeconds: 1,
        clinic: { opensAt: clinic.opensAt, closesAt: clinic.closesAt, slotMinutes: env.HMS_SLOT_MINUTES },
        slotsDay,
        read: (job: ReadJob) => load.run<ReadRunResult>(job),
        settle,
        log,
      });
    }

    await cleanup.now('load generator');
    await cleanup.now('our gateway');
    await cleanup.now('subgraphs');
    await cleanup.now('bench database');
    await cleanup.now('Kafka topics and groups');
    await cleanup.now('Kafka broker');

    // 7. pgbench on the same server, with the graph stopped, as many clients as the write runs' connections.
    let pgbench: PgbenchResult | undefined;
    if (runs('writes')) {
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
      pgbench = { ...(await pgbenchRun(scratch.url, pgbenchOptions)), ...pgbenchOptions, initSeconds };
      await cleanup.now('pgbench database');
    }

    const report: BenchReport = {
      date: new Date(),
      command: profiling ? 'npm run bench -- --cpu-prof' : 'npm run bench',
      machine,
      busyBefore,
      during: machineDuringRun.stop(),
      pgbenchVersion: pgbenchInfo,
      hive: { version: HIVE_GATEWAY_VERSION, installedSeconds: hiveInstall?.installedSeconds },
      graph: {
        kafka: { broker: kafka.description, partitions: env.KAFKA_TOPIC_PARTITIONS, topicPrefix: kafka.topicPrefix },
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
        readers,
        firstDay: plan.firstDay,
        slotsPerDay: plan.slotMinutes.length,
        firstSlot: timeOfDay(plan.slotMinutes[0]!),
      },
      connections: settings.BENCH_CONNECTIONS,
      gateways,
      batching,
      writes: writes && pgbench ? { ...writes, pgbench } : undefined,
      slots,
      realtime,
      growth,
      notes,
      totalSeconds: (performance.now() - startedAt) / 1000,
    };
    const problems = problemsOf(report);
    process.stdout.write(formatTable(report, problems));
    if (problems.length > 0) {
      console.error(`\nThe run is not valid, BENCHMARKS.md was not written:\n  - ${problems.join('\n  - ')}`);
      return 1;
    }
    if (profiling || settings.BENCH_ONLY) {
      log(`${profiling ? 'profiled' : 'partial'} run: BENCHMARKS.md left as it is`);
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

/**
 * One write scenario: a warm-up, a checkpoint, then the measured run with the subgraph process's pools and
 * PostgreSQL's backends sampled and both processes' usage measured (and profiled with `--cpu-prof`).
 */
async function measureWrites(
  name: 'bookings' | 'payments',
  job: (seconds: number) => Job,
  context: {
    settings: z.infer<typeof benchEnvSchema>;
    load: BenchChild<Job>;
    ours: BenchChild<GatewayJob>;
    host: Parameters<typeof watchPools>[0];
    database: { name: string };
    serverUrl: string;
    checkpointBefore: (what: string) => Promise<void>;
    settle: (before: string) => Promise<void>;
    profiler?: { start(): Promise<void>; stop(): Promise<{ gateway: ProfileSummary; subgraphs: ProfileSummary }> };
  },
): Promise<{ figures: WriteFigures; profiles?: { gateway: ProfileSummary; subgraphs: ProfileSummary } }> {
  const { settings, load, ours } = context;
  log(`${name}: warming up for ${settings.BENCH_WARMUP_SECONDS} s`);
  const warmup = await load.run<WriteRunResult>(job(settings.BENCH_WARMUP_SECONDS));
  await context.settle(`the ${name} run`);
  await context.checkpointBefore(`the ${name} run`);
  log(`${name}: ${settings.BENCH_SECONDS} s with ${settings.BENCH_CONNECTIONS} connections`);
  if (context.profiler) await context.profiler.start();
  await ours.run({ kind: 'usage-start' });
  const watch = await watchPools(context.host, context.serverUrl, context.database.name);
  let measured: WriteRunResult;
  let gatewayUsage: ProcessUsage;
  try {
    measured = await load.run<WriteRunResult>(job(settings.BENCH_SECONDS));
  } finally {
    gatewayUsage = await ours.run<ProcessUsage>({ kind: 'usage-stop' });
  }
  const pools = await watch.stop();
  const profiles = context.profiler ? await context.profiler.stop() : undefined;
  return {
    figures: {
      connections: settings.BENCH_CONNECTIONS,
      seconds: settings.BENCH_SECONDS,
      warmupSeconds: settings.BENCH_WARMUP_SECONDS,
      warmup,
      run: measured,
      latency: summarise(measured.latenciesMs),
      perSecond: measured.seconds > 0 ? measured.ok / measured.seconds : 0,
      pools,
      gatewayUsage,
      database: { found: 0, expected: 0, what: '' },
    },
    ...(profiles ? { profiles } : {}),
  };
}

async function count(url: string, sql: string, parameters: unknown[] = []): Promise<number> {
  return onServer(url, async (client) => (await client.query<{ count: number }>(sql, parameters)).rows[0]!.count);
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

process.exitCode = await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
});
