/** The benchmark's figures: what makes a run invalid, the targets of issue 10, and the table on stdout. */
import type { BatchingMeasurement } from './batching.ts';
import { describeBatching } from './batching.ts';
import type { GatewayFigures, MeasuredRead } from './gateways.ts';
import type { GrowthFigures } from './growth.ts';
import type { RealtimeRunResult, SlotsRunResult, WriteRunResult } from './load.ts';
import type { Machine } from './machine.ts';
import type { PgbenchResult } from './postgres.ts';
import type { ProfileSummary } from './profile.ts';
import type { ReadFixture } from './reads.ts';
import type { DeliveryComparison, LatencySummary } from './stats.ts';
import type { ProcessUsage } from './usage.ts';
import type { PoolFigures } from './watch.ts';

/** One write scenario (bookings or payments) through our gateway. */
export interface WriteFigures {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  warmup: WriteRunResult;
  run: WriteRunResult;
  latency: LatencySummary;
  perSecond: number;
  /** The subgraph process's pools and PostgreSQL's backends during the run, and its thread. */
  pools: PoolFigures;
  gatewayUsage: ProcessUsage;
  /** What the database holds afterwards against what the successful answers say. */
  database: { found: number; expected: number; what: string };
}

export interface BenchReport {
  date: Date;
  command: string;
  machine: Machine;
  /** Share of the machine's CPU busy during one second before the run (others' work skews the figures). */
  busyBefore: number;
  /** The whole machine over the run: its busy CPU share (every process) and the load averages at the end. */
  during: { busyShare: number; loadAverage: number[] };
  pgbenchVersion: string;
  hive: { version: string; installedSeconds: number | undefined };
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
    /** The patients the read scenarios read. */
    readers: ReadFixture;
    firstDay: string;
    /** Slots booked on each day: the first ones of the clinic day, at most the daily cap. */
    slotsPerDay: number;
    /** When the first of them starts, `HH:MM`. */
    firstSlot: string;
  };
  connections: number;
  gateways: GatewayFigures | undefined;
  batching: BatchingMeasurement[] | undefined;
  writes:
    | {
        bookings: WriteFigures;
        payments: WriteFigures;
        pgbench: PgbenchResult;
        bookingProfiles?: { gateway: ProfileSummary; subgraphs: ProfileSummary } | undefined;
      }
    | undefined;
  slots:
    | {
        date: string;
        slotsInDay: number;
        full: SlotsRunResult & { latency: LatencySummary; warmup: SlotsRunResult };
        empty: SlotsRunResult & { latency: LatencySummary; warmup: SlotsRunResult };
      }
    | undefined;
  realtime: RealtimeFigures | undefined;
  growth: GrowthFigures | undefined;
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

export const ms = (value: number) => `${value.toFixed(1)} ms`;
export const percent = (share: number) => `${(share * 100).toFixed(0)} %`;
export const finePercent = (share: number) => `${(share * 100).toFixed(1)} %`;
export const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');

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

export function errorList(codes: Record<string, number>): string {
  const entries = Object.entries(codes);
  return entries.length === 0 ? 'none' : entries.map(([code, count]) => `${code} ×${count}`).join(', ');
}

export function poolLine(pools: PoolFigures): string {
  const waits = pools.subgraphs
    .map((pool) => `${pool.name} ${pool.maxOpen} open, ≤ ${pool.maxWaiting} waiting (${percent(pool.waitingShare)})`)
    .join('; ');
  return (
    `${waits}. PostgreSQL: ≤ ${pools.maxActiveBackends} active backends, ≤ ${pools.maxIdleInTransaction} idle in ` +
    `a transaction (mean ${pools.meanIdleInTransaction.toFixed(1)}), ≤ ${pools.maxLockWaiters} waiting on a lock ` +
    `(${percent(pools.lockWaitShare)} of samples)`
  );
}

function threadLine(pools: PoolFigures, gateway: ProcessUsage): string {
  return (
    `subgraph process: thread busy ${percent(pools.eventLoopUtilisation)} of the time (event-loop utilisation), ` +
    `CPU ${pools.cpuPerSecond.toFixed(2)} s per second; gateway process: ${usageLine(gateway)}`
  );
}

/** A process's event-loop utilisation and CPU time per second. */
export function usageLine(usage: ProcessUsage | undefined): string {
  if (!usage) return 'n/a';
  return `thread busy ${percent(usage.eventLoopUtilisation)}, CPU ${usage.cpuPerSecond.toFixed(2)} s/s`;
}

function perSecondRange(run: WriteRunResult): string {
  // Whole seconds only: the last one is cut short.
  const whole = run.okPerSecond.slice(0, Math.floor(run.seconds)).map((count) => count ?? 0);
  if (whole.length === 0) return 'n/a';
  return `${Math.min(...whole)}–${Math.max(...whole)}`;
}

/** The realtime part's checks: subscribers, losses, errors, the database, the wait before it. */
export function realtimeLine(realtime: RealtimeFigures): string {
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

/** The targets of issue 10, each with its measured value. */
export interface Target {
  name: string;
  /** What is compared, in words. */
  measure: string;
  value: number;
  /** `≥ 1.0`, `≤ 1.5`…: the value must be at least (`min`) or at most (`max`) `bound`. */
  bound: number;
  direction: 'min' | 'max';
  met: boolean;
}

/** The targets the run measured (a part not run has none). */
export function targetsOf(report: BenchReport): Target[] {
  const targets: Target[] = [];
  const target = (name: string, measure: string, value: number, bound: number, direction: 'min' | 'max') =>
    targets.push({
      name,
      measure,
      value,
      bound,
      direction,
      met: Number.isFinite(value) && (direction === 'min' ? value >= bound : value <= bound),
    });
  const { gateways, writes, growth } = report;
  if (gateways) {
    target(
      'Our gateway at least matches Hive Gateway',
      'requests/s ours ÷ Hive Gateway, same supergraph, subgraphs and query mix',
      gateways.peer.throughputRatio,
      1.0,
      'min',
    );
    target(
      'Gateway throughput ≥ 50 % of the slowest subgraph direct',
      `patient queries/s through the gateway ÷ ${gateways.overhead.ratios.slowest}'s rate for the same data`,
      gateways.overhead.ratios.throughput,
      0.5,
      'min',
    );
  }
  if (writes) {
    target(
      'Bookings ≥ 25 % of pgbench TPC-B-like',
      'bookings/s through the gateway ÷ pgbench tps, same server and run',
      writes.bookings.perSecond / writes.pgbench.tps,
      0.25,
      'min',
    );
  }
  if (growth) {
    const worst = growth.queries.reduce((a, b) => (b.p95Ratio > a.p95Ratio || !Number.isFinite(b.p95Ratio) ? b : a));
    target(
      'p95 at 1,000,000 patients ≤ 1.5 × p95 at 10,000',
      `the highest ratio of the ${growth.queries.length} queries (${worst.query})`,
      worst.p95Ratio,
      1.5,
      'max',
    );
  }
  return targets;
}

/** The headline figures: [measure, value, how]. */
export function rows(report: BenchReport): [string, string, string][] {
  const out: [string, string, string][] = [];
  const { gateways, writes, slots, realtime, growth, batching } = report;
  if (gateways) {
    const { overhead, peer } = gateways;
    out.push(
      [
        'Patient query through our gateway',
        `${overhead.ours.figures.perSecond.toFixed(1)} /s, p99 ${ms(overhead.ours.figures.latency.p99)}`,
        `${gateways.connections} connections, ${gateways.seconds} s; ${readLine(overhead.ours)}`,
      ],
      ...overhead.direct.map((share): [string, string, string] => [
        `… its ${share.subgraph} requests, directly`,
        `${share.run.figures.perSecond.toFixed(1)} /s, p99 ${ms(share.run.figures.latency.p99)}`,
        `${share.perQuery} per query → ${(share.run.figures.perSecond / share.perQuery).toFixed(1)} queries' worth/s; ` +
          `subgraph process ${usageLine(share.run.subgraphUsage)}`,
      ]),
      [
        'Ratio gateway ÷ slowest subgraph (throughput / p99)',
        `${overhead.ratios.throughput.toFixed(2)} / ${ratio(overhead.ratios.p99)}`,
        `slowest: ${overhead.ratios.slowest} (${overhead.ratios.slowestQueriesPerSecond.toFixed(1)} queries' worth/s)`,
      ],
      [
        'Ratio gateway ÷ all five subgraphs combined',
        overhead.ratios.combinedThroughput.toFixed(2),
        `combined: 1 / Σ (requests per query ÷ requests/s) = ${overhead.ratios.combinedQueriesPerSecond.toFixed(1)} ` +
          'queries/s, what the one subgraph process could do if each share cost what it costs alone',
      ],
      [
        'Query mix through our gateway',
        `${peer.ours.figures.perSecond.toFixed(1)} /s, p99 ${ms(peer.ours.figures.latency.p99)}`,
        `${peer.requests} requests in turn; ${readLine(peer.ours)}`,
      ],
      [
        `Query mix through Hive Gateway ${report.hive.version}`,
        `${peer.hive.figures.perSecond.toFixed(1)} /s, p99 ${ms(peer.hive.figures.latency.p99)}`,
        `same answers: ${peer.differences.length === 0 ? 'yes' : `NO (${peer.differences.length} differ)`}; ${readLine(peer.hive)}`,
      ],
      [
        'Subgraph requests for one pass of the mix',
        `ours ${sum(peer.subgraphRequests.ours)}, Hive ${sum(peer.subgraphRequests.hive)}`,
        `ours ${countsLine(peer.subgraphRequests.ours)}; Hive ${countsLine(peer.subgraphRequests.hive)}`,
      ],
      [
        'Ratio ours ÷ Hive (throughput / p99)',
        `${peer.throughputRatio.toFixed(2)} / ${peer.p99Ratio.toFixed(2)}`,
        'same supergraph, subgraphs, load and mix, one after the other',
      ],
    );
  }
  if (batching) {
    out.push([
      'Batching (counted)',
      describeBatching(batching),
      'one request per page size, `scripts/bench/batching.ts`',
    ]);
  }
  if (writes) {
    const { bookings, payments, pgbench } = writes;
    for (const [name, figures] of [
      ['Bookings', bookings],
      ['Payments', payments],
    ] as const) {
      out.push([
        `${name} per second (gateway)`,
        `${figures.perSecond.toFixed(1)}, p50 ${ms(figures.latency.p50)}, p99 ${ms(figures.latency.p99)}`,
        `${figures.run.ok} in ${figures.run.seconds.toFixed(2)} s, ${figures.connections} connections`,
      ]);
    }
    out.push(
      [
        'pgbench TPC-B-like tps',
        pgbench.tps.toFixed(1),
        `-s ${pgbench.scale} -c ${pgbench.clients} -j ${pgbench.threads} -T ${pgbench.seconds}, ` +
          `latency avg ${ms(pgbench.latencyAverageMs)}`,
      ],
      [
        'Ratio bookings/s / payments/s ÷ pgbench tps',
        `${(bookings.perSecond / pgbench.tps).toFixed(3)} / ${(payments.perSecond / pgbench.tps).toFixed(3)}`,
        'same server, same run',
      ],
    );
  }
  if (slots) {
    out.push(
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
    );
  }
  if (realtime) {
    const { comparison } = realtime;
    out.push(
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
    );
  }
  if (growth) {
    for (const query of growth.queries) {
      out.push([
        `Growth: ${query.query}, p95 at 10k / 1M`,
        `${ms(query.small.latency.p95)} / ${ms(query.large.latency.p95)} (× ${query.p95Ratio.toFixed(2)})`,
        `one connection, ${growth.seconds} s each; ${query.small.latency.count} / ${query.large.latency.count} requests`,
      ]);
    }
  }
  return out;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
const countsLine = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');

function readLine(read: MeasuredRead): string {
  return `gateway ${usageLine(read.gatewayUsage)}, subgraphs ${usageLine(read.subgraphUsage)}`;
}

/** `≥ 1.0`-style bound. */
export function boundText(target: Target): string {
  return `${target.direction === 'min' ? '≥' : '≤'} ${target.bound.toFixed(2)}`;
}

/** The targets as rows: [target, measured, bound, met]. */
export function targetRows(report: BenchReport): [string, string, string, string][] {
  return targetsOf(report).map((target) => [
    target.name,
    Number.isFinite(target.value) ? target.value.toFixed(2) : 'n/a',
    boundText(target),
    target.met ? 'met' : 'NOT met',
  ]);
}

/** What makes a run's figures untrustworthy: errors, lost requests, a database that disagrees, different answers. */
export function problemsOf(report: BenchReport): string[] {
  const problems: string[] = [];
  const { gateways, writes, slots } = report;
  const readProblems = (name: string, figures: MeasuredRead['figures']) => {
    const errors = Object.entries(figures.errors);
    if (errors.length > 0) problems.push(`${name}: errors ${errorList(figures.errors)}`);
    if (figures.connectionErrors > 0 || figures.timeouts > 0) {
      problems.push(`${name}: ${figures.connectionErrors} connection errors, ${figures.timeouts} timeouts`);
    }
    if (figures.ok === 0) problems.push(`${name}: no request answered correctly`);
  };
  if (gateways) {
    readProblems('patient query through our gateway', gateways.overhead.ours.figures);
    for (const share of gateways.overhead.direct) readProblems(`${share.subgraph} directly`, share.run.figures);
    readProblems('query mix through our gateway', gateways.peer.ours.figures);
    readProblems('query mix through Hive Gateway', gateways.peer.hive.figures);
    for (const difference of gateways.peer.differences)
      problems.push(`Hive Gateway answers differently: ${difference}`);
  }
  if (writes) {
    for (const [name, figures] of [
      ['bookings', writes.bookings],
      ['payments', writes.payments],
    ] as const) {
      for (const [part, run] of [
        ['warm-up', figures.warmup],
        ['measured run', figures.run],
      ] as const) {
        const errors = Object.entries(run.errorCodes);
        if (errors.length > 0) problems.push(`${name} ${part}: errors ${errorList(run.errorCodes)}`);
        if (run.unanswered > 0) problems.push(`${name} ${part}: ${run.unanswered} never answered`);
        if (run.connectionErrors > 0 || run.timeouts > 0) {
          problems.push(`${name} ${part}: ${run.connectionErrors} connection errors, ${run.timeouts} timeouts`);
        }
      }
      if (figures.database.found !== figures.database.expected) {
        problems.push(
          `${name}: the database holds ${figures.database.found}, the answers say ${figures.database.what}`,
        );
      }
    }
    if (writes.pgbench.failed > 0) problems.push(`pgbench: ${writes.pgbench.failed} failed transactions`);
  }
  if (slots) {
    for (const [name, run] of [
      ['availableSlots warm-up (full day)', slots.full.warmup],
      ['availableSlots (full day)', slots.full],
      ['availableSlots warm-up (empty day)', slots.empty.warmup],
      ['availableSlots (empty day)', slots.empty],
    ] as const) {
      const errors = Object.entries(run.errors);
      if (errors.length > 0) problems.push(`${name}: ${errorList(run.errors)}`);
      if (run.connectionErrors > 0 || run.timeouts > 0) {
        problems.push(`${name}: ${run.connectionErrors} connection errors, ${run.timeouts} timeouts`);
      }
      if (run.ok !== run.requests) problems.push(`${name}: ${run.ok} of ${run.requests} requests answered correctly`);
    }
  }
  if (report.realtime) problems.push(...realtimeProblems(report.realtime));
  if (report.growth) {
    for (const query of report.growth.queries) {
      readProblems(`growth at 10,000: ${query.query}`, query.small);
      readProblems(`growth at 1,000,000: ${query.query}`, query.large);
    }
  }
  return problems;
}

/** The checks under the table: errors, database checks, pools, threads, realtime, the machine. */
export function checkLines(report: BenchReport): string[] {
  const lines: string[] = [];
  const { writes } = report;
  if (writes) {
    for (const [name, figures] of [
      ['Bookings', writes.bookings],
      ['Payments', writes.payments],
    ] as const) {
      lines.push(
        `${name}: errors in the warm-up ${errorList(figures.warmup.errorCodes)}, in the measured run ` +
          `${errorList(figures.run.errorCodes)}; ${figures.run.unanswered} unanswered; the database held ` +
          `${figures.database.found} ${figures.database.what} → ` +
          `${figures.database.found === figures.database.expected ? 'OK' : 'MISMATCH'}; successful per whole second ` +
          `${perSecondRange(figures.run)}. During the measured run (sampled every 100 ms): ${poolLine(figures.pools)}; ` +
          `${threadLine(figures.pools, figures.gatewayUsage)}.`,
      );
    }
  }
  if (report.realtime) lines.push(`Realtime: ${realtimeLine(report.realtime)}.`);
  if (report.growth) {
    const { generated, sizes } = report.growth;
    lines.push(
      `Growth: generated ${generated.small.patients} patients and ${generated.small.appointments} appointments in ` +
        `${generated.small.totalSeconds.toFixed(0)} s, then ${generated.large.patients} and ` +
        `${generated.large.appointments} more in ${generated.large.totalSeconds.toFixed(0)} s (rows ` +
        `${generated.large.loadSeconds.toFixed(0)} s, ${generated.large.rebuilt.length} indexes and constraints rebuilt in ` +
        `${generated.large.indexSeconds.toFixed(0)} s, vacuum and analyse ${generated.large.analyseSeconds.toFixed(0)} s); ` +
        `the database then held ${sizes.small.patients} / ${sizes.large.patients} patients and ` +
        `${sizes.small.appointments} / ${sizes.large.appointments} appointments.`,
    );
  }
  lines.push(
    `Machine busy in the second before the run: ${percent(report.busyBefore)} of all cores` +
      (report.busyBefore > 0.2 ? ' (NOT IDLE: other work shared the machine; the figures are low)' : '') +
      `; over the whole run ${percent(report.during.busyShare)} (every process, the bench's own included), load ` +
      `average at the end ${report.during.loadAverage.map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min, ` +
      `${report.machine.cores} cores${busyMachine(report) ? ': other work competed for the cores during the run' : ''})` +
      `. Subgraphs and gateways started in ${report.graph.startSeconds.toFixed(1)} s, set-up ${report.graph.setupSeconds.toFixed(1)} s` +
      (report.writes ? `, pgbench -i ${report.writes.pgbench.initSeconds.toFixed(1)} s` : '') +
      (report.hive.installedSeconds !== undefined
        ? `, Hive Gateway installed in ${report.hive.installedSeconds.toFixed(0)} s`
        : '') +
      `, total ${report.totalSeconds.toFixed(0)} s.`,
  );
  return lines;
}

/**
 * Whether other work competed for the machine during the run: more runnable threads on average over the last 15
 * minutes than the bench's own processes can keep busy (its 4 Node processes, PostgreSQL and Kafka: about 2 per core).
 */
export function busyMachine(report: Pick<BenchReport, 'during' | 'machine'>): boolean {
  return (report.during.loadAverage[2] ?? 0) > 2 * report.machine.cores;
}

function table(header: string[], body: string[][]): string[] {
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
}

/** The plain-text table for the terminal, with the targets and the checks under it. */
export function formatTable(report: BenchReport, problems: string[]): string {
  const out = [
    '',
    `HMS Supergraph benchmark — ${report.date.toISOString()}`,
    `${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.ramGiB} GiB; ${report.machine.os}; ` +
      `Node ${report.machine.node}; PostgreSQL ${report.machine.postgres}`,
    '',
    ...table(['Measure', 'Value', 'How'], rows(report)),
    '',
    ...table(['Target', 'Measured', 'Target', 'Met'], targetRows(report)),
    '',
    ...checkLines(report),
  ];
  if (report.notes.length > 0) out.push('', 'Notes:', ...report.notes.map((note) => `  - ${note}`));
  const profiles = [
    ['the query mix run', report.gateways?.profiles],
    ['the booking run', report.writes?.bookingProfiles],
  ] as const;
  for (const [run, pair] of profiles) {
    if (!pair) continue;
    out.push('', ...profileLines(pair.gateway, `our gateway during ${run}`));
    out.push('', ...profileLines(pair.subgraphs, `the subgraphs during ${run}`));
  }
  if (problems.length > 0) out.push('', 'PROBLEMS:', ...problems.map((problem) => `  - ${problem}`));
  out.push('');
  return out.join('\n');
}

function profileLines(profile: ProfileSummary, what: string): string[] {
  return [
    `CPU profile of ${what} (${(profile.totalMs / 1000).toFixed(1)} s sampled): ${profile.path}`,
    'Self time by package or folder (Node internals and native code charged to their caller):',
    ...profile.topAreas.map((area) => `  ${percent(area.share).padStart(5)}  ${area.area}`),
    'Self time by function:',
    ...profile.topFunctions.map(
      (entry) => `  ${percent(entry.share).padStart(5)}  ${entry.name}${entry.where ? `  (${entry.where})` : ''}`,
    ),
  ];
}
