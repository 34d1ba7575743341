/** The benchmark's figures as a table on stdout and as BENCHMARKS.md. */
import * as prettier from 'prettier';
import type { BookingRunResult, RealtimeRunResult, SlotsRunResult } from './load.ts';
import type { Machine } from './machine.ts';
import type { PgbenchResult } from './postgres.ts';
import type { ProfileSummary } from './profile.ts';
import type { DeliveryComparison, LatencySummary } from './stats.ts';
import type { PoolFigures } from './watch.ts';
import { DAYS_AHEAD } from './plan.ts';

export interface BenchReport {
  date: Date;
  command: string;
  machine: Machine;
  /** Share of the machine's CPU busy during one second before the run (others' work skews the figures). */
  busyBefore: number;
  pgbenchVersion: string;
  graph: {
    /** Which broker carried the events, the partitions of each topic the graph created, the run's topic prefix. */
    kafka: { broker: string; partitions: number; topicPrefix: string };
    poolMax: number;
    /** Whether `poolMax` is the platform's default `DATABASE_POOL_MAX`. */
    poolMaxIsDefault: boolean;
    /** `HMS_TIMEZONE`, `HMS_CLINIC_HOURS`, `HMS_SLOT_MINUTES` and `HMS_DOCTOR_DAILY_CAP` of the graph. */
    timeZone: string;
    clinicHours: string;
    slotMinutes: number;
    dailyCap: number;
    startSeconds: number;
    setupSeconds: number;
    departments: number;
    /** The booking run's doctors and patients (set-up adds two doctors and a patient for availableSlots). */
    doctors: number;
    patients: number;
    firstDay: string;
    /** Slots booked on each day: the first ones of the clinic day, at most the daily cap. */
    slotsPerDay: number;
    /** When the first of them starts, `HH:MM`. */
    firstSlot: string;
  };
  bookings: {
    connections: number;
    seconds: number;
    warmupSeconds: number;
    warmup: BookingRunResult;
    run: BookingRunResult;
    latency: LatencySummary;
    perSecond: number;
    appointmentsInDatabase: number;
    expectedAppointments: number;
    setupBookings: number;
    pools: PoolFigures;
  };
  pgbench: PgbenchResult;
  slots: {
    date: string;
    slotsInDay: number;
    full: SlotsRunResult & { latency: LatencySummary; warmup: SlotsRunResult };
    empty: SlotsRunResult & { latency: LatencySummary; warmup: SlotsRunResult };
  };
  realtime: RealtimeFigures;
  profile: ProfileSummary | undefined;
  /** What went differently from the method described (a checkpoint refused, …). */
  notes: string[];
  totalSeconds: number;
}

/** The realtime part (`realtime.ts`): subscription delivery next to kafkajs alone on the same broker. */
export interface RealtimeFigures {
  subscribers: number;
  warmup: number;
  events: number;
  timeoutMs: number;
  run: RealtimeRunResult;
  comparison: DeliveryComparison;
  /** The measured mutations' own latency (request sent → response read). */
  mutationLatency: LatencySummary;
  /** Per mutation, its first subscriber's latency and its last's (the lookups of all subscribers run together). */
  firstSubscriber: LatencySummary;
  lastSubscriber: LatencySummary;
  /** Most live subscriptions the gateway counted while the part ran (sampled every 100 ms). */
  gatewaySubscriptions: number;
  /** The part's appointments CONFIRMED in the database afterwards, and how many mutations succeeded. */
  confirmedInDatabase: number;
  expectedConfirmed: number;
  /** How long the graph took to handle the events of the earlier parts before this one began; undefined: it had not. */
  eventsHandledSeconds: number | undefined;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const percent = (share: number) => `${(share * 100).toFixed(0)} %`;
const finePercent = (share: number) => `${(share * 100).toFixed(1)} %`;
const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');

/** What makes the realtime part's figures untrustworthy: missing subscribers, lost messages, errors. */
export function realtimeProblems(realtime: RealtimeFigures): string[] {
  const problems: string[] = [];
  const { delivery, kafka } = realtime.run;
  const asked = realtime.subscribers;
  if (delivery.connected < asked) problems.push(`realtime: ${delivery.connected} of ${asked} subscribers connected`);
  if (delivery.registered < asked) {
    problems.push(`realtime: ${delivery.registered} of ${asked} subscribers received a warm-up event`);
  }
  if (realtime.gatewaySubscriptions < asked) {
    problems.push(`realtime: the gateway counted at most ${realtime.gatewaySubscriptions} of ${asked} subscriptions`);
  }
  for (const [name, errors] of [
    ['warm-up', delivery.warmup.errors],
    ['measured', delivery.errors],
  ] as const) {
    const entries = Object.entries(errors);
    if (entries.length > 0) problems.push(`realtime ${name} mutations: ${errorList(errors)}`);
  }
  if (delivery.registered === asked && delivery.mutations < realtime.events) {
    problems.push(`realtime: ${delivery.mutations} of ${realtime.events} measured mutations sent`);
  }
  if (delivery.warmup.lost > 0) problems.push(`realtime warm-up: ${delivery.warmup.lost} messages lost`);
  if (delivery.lost > 0)
    problems.push(`realtime: ${delivery.lost} messages lost (none within ${realtime.timeoutMs} ms)`);
  if (delivery.badMessages > 0)
    problems.push(`realtime: ${delivery.badMessages} messages with errors or a wrong status`);
  if (delivery.ended > 0) problems.push(`realtime: ${delivery.ended} subscriptions ended before the run was over`);
  if (realtime.confirmedInDatabase !== realtime.expectedConfirmed) {
    problems.push(
      `realtime: the database holds ${realtime.confirmedInDatabase} CONFIRMED appointments of the part, the ` +
        `successful mutations say ${realtime.expectedConfirmed}`,
    );
  }
  if (kafka.lostInWarmup > 0 || kafka.lost > 0) {
    problems.push(`kafkajs latency: ${kafka.lostInWarmup} warm-up and ${kafka.lost} measured messages lost`);
  }
  if (kafka.latenciesMs.length !== kafka.messages - kafka.lost) {
    problems.push(`kafkajs latency: ${kafka.latenciesMs.length} of ${kafka.messages} messages measured`);
  }
  return problems;
}

/** The headline figures: [measure, value, how]. */
function rows(report: BenchReport): [string, string, string][] {
  const { bookings, pgbench, slots, realtime } = report;
  const { comparison } = realtime;
  return [
    [
      'Bookings per second (gateway)',
      bookings.perSecond.toFixed(1),
      `${bookings.run.ok} bookings in ${bookings.run.seconds.toFixed(2)} s, ${bookings.connections} connections`,
    ],
    [
      'Booking latency p50 / p99',
      `${ms(bookings.latency.p50)} / ${ms(bookings.latency.p99)}`,
      `mean ${ms(bookings.latency.mean)}, max ${ms(bookings.latency.max)}`,
    ],
    [
      'pgbench TPC-B-like tps',
      pgbench.tps.toFixed(1),
      `-s ${pgbench.scale} -c ${pgbench.clients} -j ${pgbench.threads} -T ${pgbench.seconds}, ` +
        `latency avg ${ms(pgbench.latencyAverageMs)}`,
    ],
    ['Ratio bookings/s ÷ pgbench tps', (bookings.perSecond / pgbench.tps).toFixed(3), 'same server, same run'],
    [
      'availableSlots, full day p50 / p99',
      `${ms(slots.full.latency.p50)} / ${ms(slots.full.latency.p99)}`,
      `${slots.full.latency.count} sequential requests, ${report.graph.slotsPerDay} booked, 0 slots returned`,
    ],
    [
      'availableSlots, empty day p50 / p99',
      `${ms(slots.empty.latency.p50)} / ${ms(slots.empty.latency.p99)}`,
      `${slots.empty.latency.count} sequential requests, ${slots.slotsInDay} slots returned`,
    ],
    [
      `Subscription delivery p50 / p99 (${realtime.subscribers} subscribers)`,
      `${ms(comparison.delivery.p50)} / ${ms(comparison.delivery.p99)}`,
      `${realtime.run.delivery.mutations} mutations × ${realtime.subscribers} subscribers, mean ` +
        `${ms(comparison.delivery.mean)}, max ${ms(comparison.delivery.max)}, ` +
        `${finePercent(comparison.negativeShare)} negative`,
    ],
    [
      'kafkajs produce→consume p50 / p99',
      `${ms(comparison.kafka.p50)} / ${ms(comparison.kafka.p99)}`,
      `${comparison.kafka.count} messages one at a time, same broker, mean ${ms(comparison.kafka.mean)}, max ` +
        `${ms(comparison.kafka.max)}`,
    ],
    [
      'Ratio delivery ÷ Kafka (p50 / p99)',
      `${ratio(comparison.ratio.p50)} / ${ratio(comparison.ratio.p99)}`,
      'same broker, same run',
    ],
  ];
}

function errorList(codes: Record<string, number>): string {
  const entries = Object.entries(codes);
  return entries.length === 0 ? 'none' : entries.map(([code, count]) => `${code} ×${count}`).join(', ');
}

function poolLine(pools: PoolFigures): string {
  const waits = pools.subgraphs
    .map((pool) => `${pool.name} ${pool.maxOpen} open, ≤ ${pool.maxWaiting} waiting (${percent(pool.waitingShare)})`)
    .join('; ');
  return (
    `${waits}. PostgreSQL: ≤ ${pools.maxActiveBackends} active backends, ≤ ${pools.maxIdleInTransaction} idle in ` +
    `a transaction (mean ${pools.meanIdleInTransaction.toFixed(1)}), ≤ ${pools.maxLockWaiters} waiting on a lock ` +
    `(${percent(pools.lockWaitShare)} of samples)`
  );
}

function threadLine(pools: PoolFigures): string {
  return (
    `graph thread busy ${percent(pools.eventLoopUtilisation)} of the time (event-loop utilisation), ` +
    `graph process CPU ${pools.cpuPerSecond.toFixed(2)} s per second`
  );
}

function perSecondRange(run: BookingRunResult): string {
  // Whole seconds only: the last one is cut short.
  const whole = run.okPerSecond.slice(0, Math.floor(run.seconds)).map((count) => count ?? 0);
  if (whole.length === 0) return 'n/a';
  return `${Math.min(...whole)}–${Math.max(...whole)}`;
}

/** The realtime part's checks: subscribers, losses, errors, the database, the wait before it. */
function realtimeLine(realtime: RealtimeFigures): string {
  const { delivery, kafka } = realtime.run;
  const handled =
    realtime.eventsHandledSeconds === undefined
      ? 'it began before the graph had handled every earlier event'
      : `it began once the graph had handled every earlier event (after ${realtime.eventsHandledSeconds.toFixed(1)} s)`;
  return (
    `${delivery.connected} of ${realtime.subscribers} subscribers connected, ${delivery.registered} received a ` +
    `warm-up event, the gateway counted up to ${realtime.gatewaySubscriptions} subscriptions; ` +
    `${delivery.warmup.mutations} warm-up mutations (errors ${errorList(delivery.warmup.errors)}, ` +
    `${delivery.warmup.lost} messages lost) and ${delivery.mutations} measured (errors ${errorList(delivery.errors)}, ` +
    `${delivery.lost} messages lost, ${delivery.badMessages} with errors or a wrong status) in ` +
    `${delivery.seconds.toFixed(1)} s; mutation latency p50 ${ms(realtime.mutationLatency.p50)}, p99 ` +
    `${ms(realtime.mutationLatency.p99)}; per mutation, the first subscriber's message p50 ` +
    `${ms(realtime.firstSubscriber.p50)} (p99 ${ms(realtime.firstSubscriber.p99)}), the last one's p50 ` +
    `${ms(realtime.lastSubscriber.p50)} (p99 ${ms(realtime.lastSubscriber.p99)}); ${realtime.confirmedInDatabase} of the part's appointments CONFIRMED in ` +
    `the database (${realtime.expectedConfirmed} mutations succeeded); kafkajs: ${kafka.lostInWarmup + kafka.lost} ` +
    `messages lost; ${handled}`
  );
}

/** The plain-text table for the terminal, with the checks under it. */
export function formatTable(report: BenchReport, problems: string[]): string {
  const table = rows(report);
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  const { bookings } = report;
  const out = [
    '',
    `HMS Supergraph benchmark — ${report.date.toISOString()}`,
    `${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.ramGiB} GiB; ${report.machine.os}; ` +
      `Node ${report.machine.node}; PostgreSQL ${report.machine.postgres}`,
    '',
    line(['Measure', 'Value', 'How']),
    line(widths.map((width) => '-'.repeat(width))),
    ...table.map(line),
    '',
    `Errors: warm-up ${errorList(bookings.warmup.errorCodes)}; run ${errorList(bookings.run.errorCodes)}; ` +
      `unanswered ${bookings.run.unanswered}; connection errors ${bookings.run.connectionErrors}, ` +
      `timeouts ${bookings.run.timeouts}`,
    `Database check: ${bookings.appointmentsInDatabase} appointments = ${bookings.setupBookings} set-up + ` +
      `${bookings.warmup.ok} warm-up + ${bookings.run.ok} measured → ` +
      `${bookings.appointmentsInDatabase === bookings.expectedAppointments ? 'OK' : 'MISMATCH'}`,
    `Successful bookings per whole second: ${perSecondRange(bookings.run)} ` +
      `(${bookings.run.okPerSecond.map((count) => count ?? 0).join(' ')})`,
    `Pools (max ${report.graph.poolMax} each): ${poolLine(bookings.pools)}`,
    `During the booking run: ${threadLine(bookings.pools)}`,
    `Realtime: ${realtimeLine(report.realtime)}`,
    `Machine busy before the run: ${percent(report.busyBefore)} of all cores` +
      (report.busyBefore > 0.2 ? ' — NOT IDLE, the figures are low' : ''),
    `Graph start ${report.graph.startSeconds.toFixed(1)} s, set-up ${report.graph.setupSeconds.toFixed(1)} s, ` +
      `pgbench -i ${report.pgbench.initSeconds.toFixed(1)} s, total ${report.totalSeconds.toFixed(0)} s`,
  ];
  if (report.notes.length > 0) out.push('', 'Notes:', ...report.notes.map((note) => `  - ${note}`));
  if (report.profile) out.push('', ...profileLines(report.profile));
  if (problems.length > 0) out.push('', 'PROBLEMS:', ...problems.map((problem) => `  - ${problem}`));
  out.push('');
  return out.join('\n');
}

function profileLines(profile: ProfileSummary): string[] {
  return [
    `CPU profile of the graph during the booking run (${(profile.totalMs / 1000).toFixed(1)} s sampled): ${profile.path}`,
    'Self time by package or folder (Node internals and native code charged to their caller):',
    ...profile.topAreas.map((area) => `  ${percent(area.share).padStart(5)}  ${area.area}`),
    'Self time by function:',
    ...profile.topFunctions.map(
      (entry) => `  ${percent(entry.share).padStart(5)}  ${entry.name}${entry.where ? `  (${entry.where})` : ''}`,
    ),
  ];
}

/** BENCHMARKS.md: the machine, the command, the date, the figures and how they were measured. */
export async function renderMarkdown(report: BenchReport, path: string): Promise<string> {
  const { machine, bookings, pgbench, slots, graph, realtime } = report;
  const { kafka } = realtime.run;
  const settings = Object.entries(machine.postgresSettings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  const text = `# Benchmarks

Figures of one run of \`${report.command}\` (about ${report.totalSeconds.toFixed(0)} s). Rerun it to refresh this
file; it is not part of the tests. Figures from another machine, or from this one while other work runs, are not
comparable with these. The ratio to pgbench on the same server gives a sense of scale, no more: the graph runs on one
Node thread, pgbench's load on PostgreSQL uses every core. Likewise the ratio of subscription delivery to kafkajs's
own produce→consume latency on the same broker says how much the graph adds to the bare Kafka hop.

- **Date:** ${report.date.toISOString()}
- **Machine:** ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM; ${machine.os}
- **Node:** ${machine.node}; **PostgreSQL:** ${machine.postgres} on the same machine (${settings}); ${report.pgbenchVersion}
- **Load:** ${percent(report.busyBefore)} of the machine's CPU was busy in the second before the run started
- **Kafka:** ${graph.kafka.broker}
- **Graph:** the whole graph in one Node process (\`startGraph\`, \`embedded/graph.ts\`) on a fresh database, events
  through Kafka under topics (${graph.kafka.partitions} partitions each) and consumer groups of the run's own
  (\`${graph.kafka.topicPrefix}…\`), \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, \`HMS_TIMEZONE=${graph.timeZone}\`, database pool ${graph.poolMax}
  connections per subgraph${graph.poolMaxIsDefault ? ' (the default)' : ''}; clinic hours ${graph.clinicHours}, ${graph.slotMinutes}-minute
  slots, at most ${graph.dailyCap} appointments per doctor and day

## Results

| Measure | Value | How |
| --- | --- | --- |
${rows(report)
  .map((row) => `| ${row.join(' | ')} |`)
  .join('\n')}

Checks of this run: errors in the warm-up ${errorList(bookings.warmup.errorCodes)}, in the measured run
${errorList(bookings.run.errorCodes)}; ${bookings.run.unanswered} bookings unanswered; the database held
${bookings.appointmentsInDatabase} appointments = ${bookings.setupBookings} set up + ${bookings.warmup.ok} from the
warm-up + ${bookings.run.ok} from the measured run. Successful bookings per whole second: ${perSecondRange(bookings.run)}.
During the measured run (sampled every 100 ms): ${poolLine(bookings.pools)}; ${threadLine(bookings.pools)}.
Realtime: ${realtimeLine(realtime)}.
${report.notes.length === 0 ? '' : `\n**Notes:** ${report.notes.join('; ')}.\n`}
## How it was measured

\`npm run bench\` (\`scripts/bench/main.ts\`) does everything in one run and removes what it created, even on failure:

1. **Bookings per second.** It creates a database \`hms_bench_<random>\` and starts the whole graph inside the
   benchmark's own Node process, its events on Kafka (a broker of its own, started with \`.ci/kafka.sh\` and stopped
   at the end, unless \`KAFKA_BROKERS\` names one). Through the gateway, as an admin, it creates ${graph.departments} departments, ${graph.doctors + 2} doctors and
   ${graph.patients + 1} patients, and waits until the appointments subgraph's copy of doctors and patients (fed by
   events) knows all of them. Every booking is planned up front (\`scripts/bench/plan.ts\`): booking _n_ goes to
   doctor _n_ mod ${graph.doctors} (concurrent requests hit different doctors), in one of the first
   ${graph.slotsPerDay} slots of a weekday (${graph.slotsPerDay === graph.dailyCap ? 'the daily cap' : 'all of the clinic day'}, from ${graph.firstSlot}
   ${graph.timeZone}), on weekdays from ${graph.firstDay} on (at least ${DAYS_AHEAD} days after the run's date, far beyond the lead
   time), with a patient whose index is the doctor's shifted per slot, so no doctor-day exceeds the cap, no
   slot is booked twice and no patient has two appointments at once: every request is a valid, distinct booking.
   A separate process runs autocannon with ${bookings.connections} connections against the gateway's \`/graphql\`,
   each request a \`bookAppointment\` mutation with its own variables: first a ${bookings.warmupSeconds} s warm-up, then
   the measured ${bookings.seconds} s. When the time is up no booking is sent any more and the run ends once every
   booking in flight has been answered, so every booking sent is accounted for. A booking counts only when its
   response is HTTP 200 with \`data\` and without GraphQL errors; bookings per second = successful bookings ÷ the time from the start
   to the last booking's answer. Latencies are autocannon's per-response times (request written → response read)
   of every booking. Afterwards the number of appointments in the database must equal the successful answers.
2. **pgbench.** With the graph stopped, on a scratch database of the same server: \`pgbench -i -s ${pgbench.scale}\`
   (${pgbench.initSeconds.toFixed(0)} s), a checkpoint, then \`pgbench -c ${pgbench.clients} -j ${pgbench.threads} -T ${pgbench.seconds}\` (the
   built-in TPC-B-like script, as many clients as the booking run has connections); tps is pgbench's "without initial connection time". The ratio says what share of
   the server's raw TPC-B transaction rate the graph turns into bookings (one booking is one database transaction
   in the appointments subgraph plus the reads and event handling around it).
3. **availableSlots.** \`doctor(id) { availableSlots(date: "${slots.date}") }\` through the gateway, one connection,
   requests one after another: first for a doctor whose day holds ${graph.slotsPerDay} bookings (${graph.slotsPerDay === graph.dailyCap ? 'the cap' : 'every slot'}: no slot is
   returned), then for a doctor with an empty day (${slots.slotsInDay} slots returned), each after ${slots.full.warmup.requests} warm-up
   requests; every answer, the warm-ups' included, must be HTTP 200 with the expected number of slots, and none may
   time out or lose its connection.
4. **Realtime delivery.** With the graph still running after the availableSlots part, and once it has published and
   consumed every event so far (outboxes empty, every consumer group of the run at the end of its partitions), it
   creates a reception staff member through the API (\`createStaffUser\` with the role RECEPTION, then \`signIn\`;
   reception is told of every appointment's transitions). The load generator opens ${realtime.subscribers} graphql-ws
   connections to the gateway's \`ws://…/graphql\` with that token in \`connection_init\`, each subscribed to
   \`appointmentUpdated { eventId type appointment { id status } }\`. Then, one mutation at a time, as an admin over
   HTTP, \`acceptAppointment\` on the PENDING appointments the booking run left (earliest first): _t_ is taken when
   the client has read the mutation's response, and each subscriber's latency is the arrival of its CONFIRMED message
   for that appointment (graphql-ws \`next\`, in the same process) minus _t_. What that covers: the appointments
   subgraph's transaction commits the change with its event in the outbox, the outbox relay (woken by the commit)
   publishes it to Kafka (idempotent producer, \`acks: -1\`), the gateway's own consumer group reads it, the
   gateway's event hub hands it to every subscription, each subscription reads the appointment through the supergraph
   as its subscriber (one lookup per subscriber and event, through the appointments subgraph and its database), and
   the message is written to its socket. The event travels while the response is on its way back, so a message can
   arrive before the response has been read: such latencies are negative and kept as they are
   (${finePercent(realtime.comparison.negativeShare)} of this run's). The first ${realtime.warmup} mutations warm up and
   prove that every subscriber is registered (the measured part starts only when each has received a warm-up event);
   then ${realtime.events} are measured, ${realtime.subscribers} latencies each (the checks above also give, per
   mutation, its first and its last subscriber's latency: every subscriber's lookup starts as the event reaches the
   gateway and they share the graph's one thread, so even the first message waits for much of the fan-out). A message not received within
   ${realtime.timeoutMs / 1000} s counts as lost; a lost message, a failed mutation or a missing subscriber makes the run
   invalid, and afterwards the database must hold as many CONFIRMED appointments as mutations succeeded. **kafkajs
   alone**, right after in the same process and on the same broker: a fresh topic \`${graph.kafka.topicPrefix}bench-latency\`
   of one partition, a producer as the outbox relay's (idempotent, \`acks: -1\`, one request in flight) and a
   consumer in a group of its own starting at the end of the topic (as the gateway's; it has joined and fetched once
   before the first message, and like the graph's consumers waits at most 1 s in an idle fetch); ${kafka.warmup}
   warm-up then ${kafka.messages} measured messages, one at a time, each sent once the previous one was consumed;
   latency = the consumer's \`eachMessage\` − the moment just before \`send\`. The topic and group are deleted
   afterwards. The ratios divide delivery's p50 by Kafka's p50 and delivery's p99 by Kafka's p99.

The measured booking run starts right after a checkpoint. The graph runs in the benchmark's own process on one Node
thread, together with the 100 ms sampler of the pool and \`pg_stat_activity\` figures above (its small cost is
counted in the graph's event-loop utilisation and CPU); the load generator is another process, and PostgreSQL and
the Kafka broker run on the same machine, so all of them share its ${machine.cores} cores.
`;
  const options = (await prettier.resolveConfig(path)) ?? {};
  // Wrapped here; the project's prose-wrap setting (preserve) keeps it so.
  return prettier.format(text, { ...options, parser: 'markdown', proseWrap: 'always' });
}
