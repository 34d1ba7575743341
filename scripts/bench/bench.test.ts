import { describe, expect, it } from '@jest/globals';
import { checkPlan, firstWeekday, plannedBooking, type BookingPlan } from './plan.ts';
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
      p99: percentile(latencies, 99),
      mean: 500,
      max: 999.5,
    });
    expect(summarise(latencies).p99).toBe(989.5);
    expect(summarise([])).toEqual({ count: 0, p50: NaN, p99: NaN, mean: NaN, max: NaN });
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
