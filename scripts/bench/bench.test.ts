import { describe, expect, it } from '@jest/globals';
import { checkPlan, firstWeekday, plannedBooking, type BookingPlan } from './plan.ts';
import { parsePgbench } from './postgres.ts';
import { percentile, summarise } from './stats.ts';

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
