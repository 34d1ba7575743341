/** The benchmark's figures as a table on stdout and as BENCHMARKS.md. */
import * as prettier from 'prettier';
import type { BookingRunResult, SlotsRunResult } from './load.ts';
import type { Machine } from './machine.ts';
import type { PgbenchResult } from './postgres.ts';
import type { ProfileSummary } from './profile.ts';
import type { LatencySummary } from './stats.ts';
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
    events: string;
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
  profile: ProfileSummary | undefined;
  /** What went differently from the method described (a checkpoint refused, …). */
  notes: string[];
  totalSeconds: number;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const percent = (share: number) => `${(share * 100).toFixed(0)} %`;

/** The headline figures: [measure, value, how]. */
function rows(report: BenchReport): [string, string, string][] {
  const { bookings, pgbench, slots } = report;
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
  const { machine, bookings, pgbench, slots, graph } = report;
  const settings = Object.entries(machine.postgresSettings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  const text = `# Benchmarks

Figures of one run of \`${report.command}\` (about ${report.totalSeconds.toFixed(0)} s). Rerun it to refresh this
file; it is not part of the tests. Figures from another machine, or from this one while other work runs, are not
comparable with these. The ratio to pgbench on the same server gives a sense of scale, no more: the graph runs on one
Node thread, pgbench's load on PostgreSQL uses every core.

- **Date:** ${report.date.toISOString()}
- **Machine:** ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM; ${machine.os}
- **Node:** ${machine.node}; **PostgreSQL:** ${machine.postgres} on the same machine (${settings}); ${report.pgbenchVersion}
- **Load:** ${percent(report.busyBefore)} of the machine's CPU was busy in the second before the run started
- **Graph:** the whole graph in one Node process (\`startGraph\`, \`embedded/graph.ts\`) on a fresh database, events
  ${graph.events}, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, \`HMS_TIMEZONE=${graph.timeZone}\`, database pool ${graph.poolMax}
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
${report.notes.length === 0 ? '' : `\n**Notes:** ${report.notes.join('; ')}.\n`}
## How it was measured

\`npm run bench\` (\`scripts/bench/main.ts\`) does everything in one run and removes what it created, even on failure:

1. **Bookings per second.** It creates a database \`hms_bench_<random>\` and starts the whole graph inside the
   benchmark's own Node process. Through the gateway, as an admin, it creates ${graph.departments} departments, ${graph.doctors + 2} doctors and
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

The measured booking run starts right after a checkpoint. The graph runs in the benchmark's own process on one Node
thread, together with the 100 ms sampler of the pool and \`pg_stat_activity\` figures above (its small cost is
counted in the graph's event-loop utilisation and CPU); the load generator is another process, and PostgreSQL runs
on the same machine, so all three share its ${machine.cores} cores.
`;
  const options = (await prettier.resolveConfig(path)) ?? {};
  // Wrapped here; the project's prose-wrap setting (preserve) keeps it so.
  return prettier.format(text, { ...options, parser: 'markdown', proseWrap: 'always' });
}
