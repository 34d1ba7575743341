import { describe, expect, it } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import { mrnFromSequence } from '../../subgraphs/patients/patient.rules.ts';
import { chunkRanges, generatedSlot, mrnSql, slotLayout, uuidV7Sql } from './generate.ts';
import type { SubgraphFetch } from './gateway-process.ts';
import { combineRuns } from './gateways.ts';
import { checkPlan, firstWeekday, plannedBooking, weekdayAfter, type BookingPlan } from './plan.ts';
import {
  answerDifferences,
  overheadRatios,
  readFigures,
  requestsBySubgraph,
  sharesOf,
  type ReadFigures,
} from './reads.ts';
import { busyMachine, targetsOf, type BenchReport } from './report.ts';
import { parsePgbench } from './postgres.ts';
import type { RealtimeFigures } from './report.ts';
import { realtimeProblems } from './report.ts';
import { compareDelivery, negativeShare, percentile, ratioOf, summarise } from './stats.ts';

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

function planOf(doctors: number, patients: number, slotMinutes: number[], firstDay = '2030-01-07'): BookingPlan {
  return {
    doctors: Array.from({ length: doctors }, (_, i) => ({ id: `d${i}`, departmentId: `dep${i % 3}` })),
    patientIds: Array.from({ length: patients }, (_, i) => `p${i}`),
    firstDay,
    slotMinutes,
  };
}

describe('the booking plan', () => {
  const cap = 8;
  const slots = [540, 570, 600, 630, 660, 690, 720, 750];
  const plan = planOf(5, 7, slots);
  // Several days' worth, ending part-way through a day.
  const bookings = Array.from({ length: 5 * slots.length * 7 + 13 }, (_, n) => plannedBooking(plan, n));

  it('is accepted by checkPlan', () => {
    expect(weekday(plan.firstDay)).toBe(1);
    expect(() => checkPlan(plan, cap)).not.toThrow();
  });

  it('never books a (doctor, start) twice', () => {
    const keys = bookings.map((booking) => `${booking.doctorId}@${booking.startsAt}`);
    expect(new Set(keys).size).toBe(bookings.length);
  });

  it('keeps every doctor-day within the plan’s slots (≤ the daily cap)', () => {
    const perDoctorDay = new Map<string, number>();
    for (const booking of bookings) {
      const key = `${booking.doctorId}@${booking.startsAt.slice(0, 10)}`;
      perDoctorDay.set(key, (perDoctorDay.get(key) ?? 0) + 1);
    }
    expect(Math.max(...perDoctorDay.values())).toBe(slots.length);
  });

  it('never gives a patient two appointments at the same time', () => {
    const keys = bookings.map((booking) => `${booking.patientId}@${booking.startsAt}`);
    expect(new Set(keys).size).toBe(bookings.length);
  });

  it('books weekdays only, from the first day on, in the planned slots, in each doctor’s department', () => {
    for (const booking of bookings) {
      const day = booking.startsAt.slice(0, 10);
      expect([1, 2, 3, 4, 5]).toContain(weekday(day));
      expect(day >= plan.firstDay).toBe(true);
      const start = new Date(booking.startsAt);
      expect(slots).toContain(start.getUTCHours() * 60 + start.getUTCMinutes());
      const doctor = plan.doctors.find((candidate) => candidate.id === booking.doctorId)!;
      expect(booking.departmentId).toBe(doctor.departmentId);
    }
    // 5 doctors × 8 slots a day: booking 40 is the first of the second weekday (Tuesday); 200 skips the weekend.
    expect(plannedBooking(plan, 40).startsAt).toBe('2030-01-08T09:00:00.000Z');
    expect(plannedBooking(plan, 200).startsAt).toBe('2030-01-14T09:00:00.000Z');
  });

  it('is refused by checkPlan when a rule could be hit', () => {
    expect(() => checkPlan(planOf(0, 7, slots), cap)).toThrow('doctors');
    expect(() => checkPlan(planOf(5, 4, slots), cap)).toThrow('patients');
    expect(() => checkPlan(planOf(5, 7, slots), 7)).toThrow('daily cap is 7');
    expect(() => checkPlan(planOf(5, 7, []), cap)).toThrow('0 slots');
    expect(() => checkPlan(planOf(5, 7, [540, 570, 540]), cap)).toThrow('repeats');
    expect(() => checkPlan(planOf(5, 7, slots, '2030-01-05'), cap)).toThrow('not a weekday');
  });

  it('starts on the first weekday at least the given days ahead', () => {
    expect(firstWeekday(new Date('2030-01-07T23:59:00Z'), 2)).toBe('2030-01-09'); // Monday → Wednesday
    expect(firstWeekday(new Date('2030-01-10T08:00:00Z'), 2)).toBe('2030-01-14'); // Thursday → Saturday → Monday
  });
});

describe('percentile (nearest rank)', () => {
  const values = [50, 15, 40, 20, 35];

  it('takes the value at rank ⌈p/100 · n⌉ of the sorted values', () => {
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 5)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 99)).toBe(50);
    expect(percentile(values, 100)).toBe(50);
    expect(values).toEqual([50, 15, 40, 20, 35]);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it('agrees with summarise', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) + 0.5);
    expect(summarise(latencies)).toEqual({
      count: 1000,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      mean: 500,
      max: 999.5,
    });
    expect(summarise(latencies).p99).toBe(989.5);
    expect(summarise(latencies).p95).toBe(949.5);
    expect(summarise([])).toEqual({ count: 0, p50: NaN, p95: NaN, p99: NaN, mean: NaN, max: NaN });
  });
});

describe('parsePgbench', () => {
  // pgbench 15's output of `pgbench -c 16 -j 2 -T 15`.
  const output = `pgbench (15.20 (Debian 15.20-0+deb12u1))
starting vacuum...end.
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 10
query mode: simple
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 15 s
number of transactions actually processed: 45123
number of failed transactions: 2 (0.004%)
latency average = 5.318 ms
initial connection time = 21.517 ms
tps = 3008.612345 (without initial connection time)
`;

  it('reads tps without connection time, the average latency and the transaction counts', () => {
    expect(parsePgbench(output)).toEqual({ tps: 3008.612345, latencyAverageMs: 5.318, transactions: 45123, failed: 2 });
  });

  it('counts no failures when the version does not report them', () => {
    const older = output.replace(/^number of failed transactions.*\n/m, '');
    expect(parsePgbench(older).failed).toBe(0);
  });

  it('refuses output it cannot read', () => {
    expect(() => parsePgbench('pgbench: error: connection to server failed')).toThrow("cannot read pgbench's output");
  });
});

describe('delivery next to Kafka', () => {
  it('counts the share of negative latencies (messages that beat the response), zero excluded', () => {
    expect(negativeShare([-1.5, 0, 2, 3])).toBe(0.25);
    expect(negativeShare([1, 2])).toBe(0);
    expect(negativeShare([])).toBeNaN();
  });

  it('divides only by a finite positive figure', () => {
    expect(ratioOf(30, 2)).toBe(15);
    expect(ratioOf(30, 0)).toBeNaN();
    expect(ratioOf(30, -1)).toBeNaN();
    expect(ratioOf(NaN, 2)).toBeNaN();
    expect(ratioOf(30, NaN)).toBeNaN();
  });

  it('summarises both with negative values kept, and divides p50 by p50 and p99 by p99', () => {
    // 100 deliveries: -2, -1, then 1…98 ms; 100 Kafka messages: 1…100 tenths of a millisecond.
    const delivery = [-2, -1, ...Array.from({ length: 98 }, (_, i) => i + 1)];
    const kafka = Array.from({ length: 100 }, (_, i) => (i + 1) / 10);
    const comparison = compareDelivery(delivery, kafka);
    expect(comparison.delivery).toEqual(summarise(delivery));
    expect(comparison.delivery.p50).toBe(48);
    expect(comparison.delivery.p99).toBe(97);
    expect(comparison.kafka.p50).toBeCloseTo(5);
    expect(comparison.kafka.p99).toBeCloseTo(9.9);
    expect(comparison.negativeShare).toBe(0.02);
    expect(comparison.ratio.p50).toBeCloseTo(48 / 5);
    expect(comparison.ratio.p99).toBeCloseTo(97 / 9.9);
  });

  it('has no ratio without Kafka figures', () => {
    const comparison = compareDelivery([5, 6], []);
    expect(comparison.kafka.count).toBe(0);
    expect(comparison.ratio.p50).toBeNaN();
    expect(comparison.ratio.p99).toBeNaN();
  });
});

describe('realtimeProblems', () => {
  function figures(change: (realtime: RealtimeFigures) => void = () => {}): RealtimeFigures {
    const latencies = Array.from({ length: 20 }, (_, i) => i + 1);
    const realtime: RealtimeFigures = {
      subscribers: 2,
      warmup: 2,
      events: 10,
      timeoutMs: 10_000,
      run: {
        delivery: {
          subscribers: 2,
          connected: 2,
          registered: 2,
          warmup: { mutations: 2, errors: {}, lost: 0 },
          mutations: 10,
          errors: {},
          lost: 0,
          badMessages: 0,
          ended: 0,
          latenciesMs: latencies,
          firstLatenciesMs: latencies.slice(0, 10),
          lastLatenciesMs: latencies.slice(10),
          mutationLatenciesMs: latencies.slice(0, 10),
          seconds: 1,
        },
        kafka: { warmup: 2, messages: 10, lostInWarmup: 0, lost: 0, latenciesMs: latencies.slice(0, 10) },
      },
      comparison: compareDelivery(latencies, latencies.slice(0, 10)),
      mutationLatency: summarise(latencies.slice(0, 10)),
      firstSubscriber: summarise(latencies.slice(0, 10)),
      lastSubscriber: summarise(latencies.slice(10)),
      gatewaySubscriptions: 2,
      confirmedInDatabase: 12,
      expectedConfirmed: 12,
      eventsHandledSeconds: 0.5,
    };
    change(realtime);
    return realtime;
  }

  it('finds nothing wrong with a complete run', () => {
    expect(realtimeProblems(figures())).toEqual([]);
  });

  it('refuses a run with fewer subscribers than asked', () => {
    const problems = realtimeProblems(
      figures((realtime) => {
        realtime.run.delivery.registered = 1;
        realtime.run.delivery.mutations = 0;
        realtime.gatewaySubscriptions = 1;
      }),
    );
    expect(problems).toEqual([
      'realtime: 1 of 2 subscribers received a warm-up event',
      'realtime: the gateway counted at most 1 of 2 subscriptions',
    ]);
  });

  it('refuses a run with a lost message, a failed mutation or a lost Kafka message', () => {
    expect(realtimeProblems(figures((realtime) => void (realtime.run.delivery.lost = 3)))).toEqual([
      'realtime: 3 messages lost (none within 10000 ms)',
    ]);
    expect(
      realtimeProblems(
        figures((realtime) => {
          realtime.run.delivery.errors = { INVALID_STATUS_TRANSITION: 1 };
          realtime.expectedConfirmed = 11;
          realtime.confirmedInDatabase = 11;
        }),
      ),
    ).toEqual(['realtime measured mutations: INVALID_STATUS_TRANSITION ×1']);
    expect(realtimeProblems(figures((realtime) => void (realtime.run.delivery.warmup.lost = 1)))).toEqual([
      'realtime warm-up: 1 messages lost',
    ]);
    const kafkaLost = realtimeProblems(
      figures((realtime) => {
        realtime.run.kafka.lost = 1;
        realtime.run.kafka.latenciesMs = realtime.run.kafka.latenciesMs.slice(1);
      }),
    );
    expect(kafkaLost).toEqual(['kafkajs latency: 0 warm-up and 1 measured messages lost']);
  });

  it('refuses a run whose database disagrees with the mutations', () => {
    expect(realtimeProblems(figures((realtime) => void (realtime.confirmedInDatabase = 11)))).toEqual([
      'realtime: the database holds 11 CONFIRMED appointments of the part, the successful mutations say 12',
    ]);
  });
});

describe('the generated history (generate.ts)', () => {
  const clinic = { opensAt: 9 * 60, closesAt: 18 * 60, slotMinutes: 30 };
  const now = new Date('2030-06-15T12:00:00Z');

  it('splits a range into chunks that cover it exactly once', () => {
    expect(chunkRanges(10, 35, 10)).toEqual([
      [10, 20],
      [20, 30],
      [30, 35],
    ]);
    expect(chunkRanges(5, 5, 10)).toEqual([]);
    expect(() => chunkRanges(5, 4, 10)).toThrow('bad range');
    expect(() => chunkRanges(0, 4, 0)).toThrow('bad chunk size');
  });

  it('never gives a doctor or a patient two appointments at once, inside clinic hours, all before now', () => {
    const doctors = 7;
    const maxPatients = 500;
    const perPatient = 5;
    const layout = slotLayout({ maxPatients, doctors, appointmentsPerPatient: perPatient, clinic, now });
    expect(layout.slotsPerDay).toBe(18);
    const byDoctor = new Set<string>();
    const byPatient = new Set<string>();
    let latestEnd = 0;
    for (let p = 0; p < maxPatients; p++) {
      for (let r = 0; r < perPatient; r++) {
        const { doctor, startsAt } = generatedSlot(p, r, layout, doctors, clinic);
        expect(doctor).toBe(p % doctors);
        const key = startsAt.toISOString();
        expect(byDoctor.has(`${doctor}@${key}`)).toBe(false);
        expect(byPatient.has(`${p}@${key}`)).toBe(false);
        byDoctor.add(`${doctor}@${key}`);
        byPatient.add(`${p}@${key}`);
        const minute = startsAt.getUTCHours() * 60 + startsAt.getUTCMinutes();
        expect(minute).toBeGreaterThanOrEqual(clinic.opensAt);
        expect(minute + clinic.slotMinutes).toBeLessThanOrEqual(clinic.closesAt);
        latestEnd = Math.max(latestEnd, startsAt.getTime() + clinic.slotMinutes * 60_000);
      }
    }
    expect(latestEnd).toBeLessThanOrEqual(now.getTime() - 2 * 86_400_000);
  });

  it('refuses a layout without doctors or without a slot in the clinic day', () => {
    expect(() => slotLayout({ maxPatients: 10, doctors: 0, appointmentsPerPatient: 1, clinic, now })).toThrow(
      'no doctors',
    );
    expect(() =>
      slotLayout({
        maxPatients: 10,
        doctors: 1,
        appointmentsPerPatient: 1,
        clinic: { ...clinic, closesAt: 9 * 60 + 10 },
        now,
      }),
    ).toThrow('no slot');
  });

  it('writes the MRNs of the MRN sequence and UUIDv7 ids with the given timestamp, in SQL', async () => {
    const db = new PGlite();
    try {
      const mrns = await db.query<{ value: number; mrn: string }>(
        `select v as value, ${mrnSql(`lpad(v::text, 7, '0')`)} as mrn from generate_series(1, 3000) as v
         union all select 9999999, ${mrnSql(`'9999999'`)}`,
      );
      expect(mrns.rows).toHaveLength(3001);
      for (const row of mrns.rows) expect(row.mrn).toBe(mrnFromSequence(row.value));
      const at = '2029-03-04T05:06:07.089Z';
      const ids = await db.query<{ id: string }>(
        `select ${uuidV7Sql(`'${at}'::timestamptz`, `md5('seed' || i)`)}::text as id from generate_series(1, 50) as i`,
      );
      const unique = new Set(ids.rows.map((row) => row.id));
      expect(unique.size).toBe(50);
      for (const id of unique) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(Date.parse(at));
      }
    } finally {
      await db.close();
    }
  });
});

describe('the read comparisons (reads.ts)', () => {
  const run = (ok: number, latencies: number[], errors: Record<string, number> = {}) =>
    readFigures({ ok, errors, latenciesMs: latencies, connectionErrors: 0, timeouts: 0 }, 10);

  it('finds a request whose data, status or errors differ, whatever the key order', () => {
    const same = { status: 200, data: { patient: { id: 'p', mrn: '1' } } };
    const reordered = { status: 200, data: { patient: { mrn: '1', id: 'p' } } };
    expect(answerDifferences([same, same], [reordered, same])).toEqual([]);
    expect(answerDifferences([same], [{ status: 200, data: { patient: { id: 'p', mrn: '2' } } }])[0]).toMatch(
      /request 0: data differs/,
    );
    expect(answerDifferences([same], [{ status: 400, errors: [{ message: 'no' }] }])[0]).toMatch(/request 0: errors/);
    expect(answerDifferences([same, same], [same])).toEqual(['request 1: answered by one gateway only']);
    expect(answerDifferences([{ status: 200, data: null }], [{ status: 200, data: null }])[0]).toMatch(/data differs/);
  });

  it('groups captured subgraph requests by subgraph, per query', () => {
    const fetch = (url: string, query: string): SubgraphFetch => ({ url, body: { query } });
    const fetches = [fetch('http://a/graphql', 'q1'), fetch('http://b/graphql', 'q2'), fetch('http://a/graphql', 'q3')];
    const names = { 'http://a/graphql': 'patients', 'http://b/graphql': 'billing' };
    expect(sharesOf(fetches, names, 2)).toEqual([
      { subgraph: 'billing', url: 'http://b/graphql', bodies: [JSON.stringify({ query: 'q2' })], perQuery: 0.5 },
      {
        subgraph: 'patients',
        url: 'http://a/graphql',
        bodies: [JSON.stringify({ query: 'q1' }), JSON.stringify({ query: 'q3' })],
        perQuery: 1,
      },
    ]);
    expect(requestsBySubgraph([...fetches, fetch('http://c/graphql', 'q4')], names)).toEqual({
      billing: 1,
      'http://c/graphql': 1,
      patients: 2,
    });
    expect(() => sharesOf([fetch('http://x/graphql', 'q')], names, 1)).toThrow('no subgraph of the run');
  });

  it('divides the gateway by the slowest subgraph’s rate for the same data, and its p99 by the worst p99', () => {
    const gateway = run(500, [10, 20, 100]);
    const ratios = overheadRatios(gateway, [
      // 2 requests per query: 1,000 requests/s is 500 queries' worth.
      { subgraph: 'appointments', perQuery: 2, figures: run(10_000, [5, 50]) },
      { subgraph: 'patients', perQuery: 1, figures: run(8_000, [5, 25]) },
    ]);
    expect(ratios.slowest).toBe('appointments');
    expect(ratios.slowestQueriesPerSecond).toBe(500);
    expect(ratios.throughput).toBe(0.1);
    expect(ratios.p99).toBe(2);
    // 2/10,000 + 1/8,000 s per query: 307.7 queries/s if one process served both.
    expect(ratios.combinedQueriesPerSecond).toBeCloseTo(1 / (2 / 1_000 + 1 / 800), 6);
    expect(ratios.combinedThroughput).toBeCloseTo(50 / ratios.combinedQueriesPerSecond, 6);
    expect(overheadRatios(gateway, []).throughput).toBeNaN();
    expect(overheadRatios(gateway, []).combinedThroughput).toBeNaN();
  });
});

describe('combineRuns', () => {
  it('takes runs of the same length as one: answers, errors and latencies together, usage averaged', () => {
    const part = (ok: number, latencies: number[], errors: Record<string, number>, busy: number) => ({
      run: { ok, errors, seconds: 5, latenciesMs: latencies, connectionErrors: 0, timeouts: 1 },
      gatewayUsage: { eventLoopUtilisation: busy, cpuPerSecond: busy },
      subgraphUsage: { eventLoopUtilisation: 1, cpuPerSecond: 0.5 },
    });
    const combined = combineRuns(
      [part(100, [1, 2], { FORBIDDEN: 1 }, 0.2), part(50, [3], { FORBIDDEN: 2, X: 1 }, 0.4)],
      5,
    );
    expect(combined.figures.perSecond).toBe(15);
    expect(combined.figures.ok).toBe(150);
    expect(combined.figures.seconds).toBe(10);
    expect(combined.figures.latency.count).toBe(3);
    expect(combined.figures.latency.max).toBe(3);
    expect(combined.figures.errors).toEqual({ FORBIDDEN: 3, X: 1 });
    expect(combined.figures.timeouts).toBe(2);
    expect(combined.gatewayUsage!.eventLoopUtilisation).toBeCloseTo(0.3);
    expect(combined.subgraphUsage.cpuPerSecond).toBe(0.5);
  });
});

describe('the targets of issue 10', () => {
  const figures = (perSecond: number): ReadFigures => ({
    perSecond,
    latency: summarise([1, 2, 3]),
    ok: perSecond * 10,
    errors: {},
    seconds: 10,
    connectionErrors: 0,
    timeouts: 0,
  });
  function report(change: { hive?: number; ours?: number; slowest?: number; bookings?: number; p95?: number[] } = {}) {
    const growthQuery = (ratio: number, i: number) => ({
      query: `q${i}`,
      small: figures(1),
      large: figures(1),
      p95Ratio: ratio,
    });
    return {
      gateways: {
        overhead: {
          ratios: {
            slowest: 'patients',
            slowestQueriesPerSecond: change.slowest ?? 100,
            throughput: (change.ours ?? 60) / (change.slowest ?? 100),
            p99: 1,
          },
        },
        peer: { throughputRatio: (change.ours ?? 60) / (change.hive ?? 50), p99Ratio: 1 },
      },
      writes: { bookings: { perSecond: change.bookings ?? 300 }, payments: { perSecond: 1 }, pgbench: { tps: 1000 } },
      growth: { queries: (change.p95 ?? [1.1, 1.4]).map(growthQuery) },
    } as unknown as BenchReport;
  }

  it('says which are met, with the measured value and the bound', () => {
    const targets = targetsOf(report());
    expect(targets.map((target) => [target.value, target.bound, target.direction, target.met])).toEqual([
      [1.2, 1, 'min', true],
      [0.6, 0.5, 'min', true],
      [0.3, 0.25, 'min', true],
      [1.4, 1.5, 'max', true],
    ]);
  });

  it('is not met below a minimum, above a maximum, or without a figure', () => {
    const targets = targetsOf(report({ hive: 61, slowest: 130, bookings: 249, p95: [1.2, 1.51, 0.9] }));
    expect(targets.map((target) => target.met)).toEqual([false, false, false, false]);
    expect(targets[3]!.measure).toContain('q1');
    expect(targetsOf(report({ p95: [1.0, Number.NaN] }))[3]!.met).toBe(false);
  });

  it('leaves out the targets of parts that did not run', () => {
    const partial = { ...report(), gateways: undefined, growth: undefined } as BenchReport;
    expect(targetsOf(partial).map((target) => target.name)).toEqual(['Bookings ≥ 25 % of pgbench TPC-B-like']);
  });
});

describe('busyMachine', () => {
  it('says other work competed when the 15-minute load average exceeds two runnable threads per core', () => {
    const machine = { cores: 2 } as BenchReport['machine'];
    expect(busyMachine({ machine, during: { busyShare: 0.9, loadAverage: [9, 6, 4] } })).toBe(false);
    expect(busyMachine({ machine, during: { busyShare: 0.9, loadAverage: [9, 6, 4.1] } })).toBe(true);
  });
});

describe('weekdayAfter', () => {
  it('counts weekdays only', () => {
    expect(weekdayAfter('2030-01-11', 0)).toBe('2030-01-11'); // Friday
    expect(weekdayAfter('2030-01-11', 1)).toBe('2030-01-14'); // → Monday
    expect(weekdayAfter('2030-01-07', 7)).toBe('2030-01-16');
  });
});
