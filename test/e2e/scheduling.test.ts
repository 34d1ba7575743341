/**
 * SPEC §3 through the gateway, as the people of a clinic use it: the lifecycle from booking to completion, each
 * step allowed to its roles; rescheduling and cancelling at the edges of their windows (with a clock the test
 * moves); the daily cap; doctors' working hours and time off; free slots; and the history import.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, subgraphOf, type TestGraph } from '../../platform/testing/graph.ts';
import { DoctorReplica } from '../../subgraphs/appointments/appointment.entity.ts';
import {
  aDepartment,
  aDoctorWithAccount as aLinkedDoctor,
  aStaffMember,
  BOOK,
  bookablePatients,
  slotAt,
  type Department,
  type Doctor,
} from '../builders.ts';

/**
 * The graph's clock: the real time, or an instant the test fixes (never in the past, so that tokens signed on it
 * do not look expired to the gateway, which checks them against the real time).
 */
let fixed: Date | undefined;
const now = () => fixed ?? new Date();
/** Fixes the graph's clock at `minutes` before `iso`. */
const setClockBefore = (iso: string, minutes: number) => {
  fixed = new Date(Math.max(Date.now(), Date.parse(iso) - minutes * 60_000));
};
const resetClock = () => {
  fixed = undefined;
};

let graph: TestGraph;
let admin: GraphClient;
let reception: GraphClient;
let department: Department;

beforeAll(async () => {
  graph = await startTestGraph({ clock: now });
  admin = await graph.admin();
  reception = (await aStaffMember(admin, ['RECEPTION'])).client;
  department = await aDepartment(admin);
});
afterAll(async () => {
  await graph?.stop();
});
// A test that fails with the clock fixed must not leave it fixed for the next.
afterEach(resetClock);

/** A new doctor (fee 83.87) with a staff account linked to them, ready to be booked. */
const aDoctorWithAccount = () => aLinkedDoctor(graph, admin, department.id, { consultationFeeAmount: 8_387 });

const patients = async (count: number): Promise<string[]> =>
  (await bookablePatients(graph, admin, count)).map((patient) => patient.id);

interface Booked {
  id: string;
  status: string;
}

const book = (client: GraphClient, doctor: Doctor, patientId: string, startsAt: string) =>
  client.request<{ bookAppointment: Booked }>(BOOK, {
    input: { patientId, doctorId: doctor.id, departmentId: doctor.departmentId, startsAt },
  });

async function booked(doctor: Doctor, patientId: string, startsAt: string): Promise<string> {
  const response = await book(admin, doctor, patientId, startsAt);
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.bookAppointment.id;
}

const APPOINTMENT = `id status startsAt rescheduleCount cancellationBand feeOwed { amount currency } consultationFee { amount currency }`;
const act = (client: GraphClient, mutation: string, id: string, extra = '') =>
  client.request<
    Record<
      string,
      {
        id: string;
        status: string;
        rescheduleCount: number;
        cancellationBand: string | null;
        feeOwed: { amount: number } | null;
      }
    >
  >(`mutation($id: ID!) { ${mutation}(id: $id${extra}) { ${APPOINTMENT} } }`, { id });
const code = (response: { errors?: { extensions?: { code?: string } }[] }) => response.errors?.[0]?.extensions?.code;

describe('the lifecycle', () => {
  it('runs book → accept → check in → complete, each step by its role, keeping the fee at booking time', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [patientId] = await patients(1);
    const id = await booked(doctor, patientId!, slotAt(2, 10));
    expect(code(await act(reception, 'acceptAppointment', id))).toBe('FORBIDDEN');
    expect((await act(doctor.client, 'acceptAppointment', id)).data?.acceptAppointment?.status).toBe('CONFIRMED');
    expect((await act(reception, 'checkInAppointment', id)).data?.checkInAppointment?.status).toBe('CHECKED_IN');
    expect(code(await act(reception, 'completeAppointment', id))).toBe('FORBIDDEN');
    await admin.data('mutation($id: ID!, $input: UpdateDoctorInput!) { updateDoctor(id: $id, input: $input) { id } }', {
      id: doctor.id,
      input: { consultationFeeAmount: 9_999 },
    });
    // Scheduling knows the new fee before the visit completes, so the fee below can only come from the booking.
    const appointments = subgraphOf(graph, 'appointments');
    await eventually(
      async () =>
        (await appointments.runtime.orm.em.fork().findOne(DoctorReplica, { doctorId: doctor.id }))
          ?.consultationFeeAmount === 9_999,
    );
    const completed = await act(doctor.client, 'completeAppointment', id);
    expect(completed.data?.completeAppointment).toMatchObject({
      status: 'COMPLETED',
      consultationFee: { amount: 8_387, currency: 'USD' },
    });
    expect(code(await act(admin, 'cancelAppointment', id))).toBe('INVALID_STATUS_TRANSITION');
  });

  it("refuses a doctor acting on another doctor's appointment", async () => {
    const [mine, theirs] = [await aDoctorWithAccount(), await aDoctorWithAccount()];
    const [patientId] = await patients(1);
    const id = await booked(theirs, patientId!, slotAt(2, 11));
    expect(code(await act(mine.client, 'acceptAppointment', id))).toBe('FORBIDDEN');
    expect(code(await act(mine.client, 'rejectAppointment', id))).toBe('FORBIDDEN');
  });

  it('frees the slot when the doctor rejects', async () => {
    const doctor = await aDoctorWithAccount();
    const [first, second] = await patients(2);
    const startsAt = slotAt(2, 12);
    const id = await booked(doctor, first!, startsAt);
    const rejected = await act(doctor.client, 'rejectAppointment', id, ', reason: "On leave"');
    expect(rejected.data?.rejectAppointment?.status).toBe('REJECTED');
    expect((await book(admin, doctor, second!, startsAt)).errors).toBeUndefined();
  });
});

describe('rescheduling', () => {
  it('keeps the id, counts the moves, goes back to PENDING, and refuses a third move', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [patientId] = await patients(1);
    const id = await booked(doctor, patientId!, slotAt(3, 9));
    await act(doctor.client, 'acceptAppointment', id);
    const move = (startsAt: string) =>
      admin.request<{
        rescheduleAppointment: { id: string; status: string; rescheduleCount: number; startsAt: string };
      }>(
        'mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id status rescheduleCount startsAt } }',
        { id, at: startsAt },
      );
    expect((await move(slotAt(3, 10))).data?.rescheduleAppointment).toEqual({
      id,
      status: 'PENDING',
      rescheduleCount: 1,
      startsAt: slotAt(3, 10),
    });
    expect((await move(slotAt(4, 10))).data?.rescheduleAppointment.rescheduleCount).toBe(2);
    expect(code(await move(slotAt(4, 11)))).toBe('RESCHEDULE_LIMIT_REACHED');
    expect(code(await move(slotAt(4, 18)))).toBe('RESCHEDULE_LIMIT_REACHED');
  });

  it('allows a move 61 minutes before the start and refuses one 59 minutes before', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [patientId] = await patients(1);
    const startsAt = slotAt(5, 14);
    const id = await booked(doctor, patientId!, startsAt);
    const move = (at: string) =>
      admin.request('mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id } }', {
        id,
        at,
      });
    setClockBefore(startsAt, 59);
    expect(code(await move(slotAt(6, 14)))).toBe('RESCHEDULE_TOO_LATE');
    setClockBefore(startsAt, 61);
    expect((await move(slotAt(6, 14))).errors).toBeUndefined();
    resetClock();
  });

  it('checks the new slot like a booking', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [patientId] = await patients(1);
    const id = await booked(doctor, patientId!, slotAt(3, 15));
    const move = (at: string) =>
      admin.request('mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id } }', {
        id,
        at,
      });
    expect(code(await move(slotAt(3, 18)))).toBe('OUTSIDE_CLINIC_HOURS');
    expect(code(await move(slotAt(3, 15, 10)))).toBe('INVALID_SLOT');
  });
});

describe('cancellation fees', () => {
  it('charges nothing 2 h 1 min before the start and half the fee 1 h 59 min before', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [early, late] = await patients(2);
    const startsAt = slotAt(4, 16);
    const free = await booked(doctor, early!, startsAt);
    setClockBefore(startsAt, 121);
    const cancelledEarly = (await act(admin, 'cancelAppointment', free)).data?.cancelAppointment;
    expect(cancelledEarly).toMatchObject({ status: 'CANCELLED', cancellationBand: 'FREE', feeOwed: { amount: 0 } });

    resetClock();
    const charged = await booked(doctor, late!, startsAt);
    setClockBefore(startsAt, 119);
    const cancelledLate = (await act(admin, 'cancelAppointment', charged)).data?.cancelAppointment;
    expect(cancelledLate).toMatchObject({ status: 'CANCELLED', cancellationBand: 'LATE', feeOwed: { amount: 4_194 } });
    resetClock();
  });

  it('marks a no-show only after the start, owing the whole fee', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [patientId] = await patients(1);
    const startsAt = slotAt(5, 9, 30);
    const id = await booked(doctor, patientId!, startsAt);
    expect(code(await act(reception, 'markNoShow', id))).toBe('INVALID_STATUS_TRANSITION');
    await act(doctor.client, 'acceptAppointment', id);
    setClockBefore(startsAt, 1);
    expect(code(await act(reception, 'markNoShow', id))).toBe('INVALID_STATUS_TRANSITION');
    setClockBefore(startsAt, -1);
    expect((await act(reception, 'markNoShow', id)).data?.markNoShow).toMatchObject({
      status: 'NO_SHOW',
      feeOwed: { amount: 8_387 },
    });
    resetClock();
  });
});

describe('booking rules through the gateway', () => {
  it('accepts a slot exactly 2 h ahead and refuses one closer', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const [first, second] = await patients(2);
    const startsAt = slotAt(6, 10);
    setClockBefore(startsAt, 119);
    expect(code(await book(admin, doctor, first!, startsAt))).toBe('LEAD_TIME_TOO_SHORT');
    setClockBefore(startsAt, 120);
    expect((await book(admin, doctor, second!, startsAt)).errors).toBeUndefined();
    resetClock();
  });

  it('accepts the 17:30 slot and refuses the 18:00 slot', async () => {
    const doctor = await aDoctorWithAccount();
    const [first, second] = await patients(2);
    expect((await book(admin, doctor, first!, slotAt(7, 17, 30))).errors).toBeUndefined();
    expect(code(await book(admin, doctor, second!, slotAt(7, 18)))).toBe('OUTSIDE_CLINIC_HOURS');
  });

  it("takes a doctor's 8th booking of a day and refuses the 9th", async () => {
    const doctor = await aDoctorWithAccount();
    const ids = await patients(9);
    for (let index = 0; index < 8; index++) {
      expect((await book(admin, doctor, ids[index]!, slotAt(8, 9 + index))).errors).toBeUndefined();
    }
    expect(code(await book(admin, doctor, ids[8]!, slotAt(8, 17)))).toBe('DOCTOR_DAILY_CAP_REACHED');
  });
});

describe('working hours, time off and free slots', () => {
  const SET = `mutation($id: ID!, $input: DoctorAvailabilityInput!) {
    setDoctorAvailability(doctorId: $id, input: $input) { availability { isDefault weeklyHours { weekday opens closes } timeOff { startsAt } } }
  }`;
  const slotsOf = async (doctor: Doctor, date: string) =>
    (
      await reception.data<{ doctor: { availableSlots: string[] } }>(
        'query($id: ID!, $date: Date!) { doctor(id: $id) { availableSlots(date: $date) } }',
        { id: doctor.id, date },
      )
    ).doctor.availableSlots;

  it("lists a full day's free slots, without the taken ones, and none once the day is full", async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const date = slotAt(9, 0).slice(0, 10);
    expect(await slotsOf(doctor, date)).toHaveLength(18);
    const ids = await patients(8);
    await booked(doctor, ids[0]!, `${date}T09:00:00.000Z`);
    const left = await slotsOf(doctor, date);
    expect(left).toHaveLength(17);
    expect(left).not.toContain(`${date}T09:00:00.000Z`);
    for (let index = 1; index < 8; index++)
      await booked(doctor, ids[index]!, `${date}T${String(9 + index).padStart(2, '0')}:00:00.000Z`);
    expect(await slotsOf(doctor, date)).toEqual([]);
  });

  it('lets doctors set their own hours and time off, which bookings and free slots then follow', async () => {
    resetClock();
    const doctor = await aDoctorWithAccount();
    const other = await aDoctorWithAccount();
    const monday = slotAt(10, 0).slice(0, 10);
    const weekday = new Date(`${monday}T00:00:00Z`).getUTCDay() || 7;
    const input = {
      weeklyHours: [{ weekday, opens: '10:00', closes: '12:00' }],
      timeOff: [{ startsAt: `${monday}T11:00:00.000Z`, endsAt: `${monday}T11:30:00.000Z`, reason: 'Training' }],
    };
    expect(code(await other.client.request(SET, { id: doctor.id, input }))).toBe('FORBIDDEN');
    const set = await doctor.client.data<{ setDoctorAvailability: { availability: { isDefault: boolean } } }>(SET, {
      id: doctor.id,
      input,
    });
    expect(set.setDoctorAvailability.availability.isDefault).toBe(false);

    const expected = [`${monday}T10:00:00.000Z`, `${monday}T10:30:00.000Z`, `${monday}T11:30:00.000Z`];
    await eventually(async () => JSON.stringify(await slotsOf(doctor, monday)) === JSON.stringify(expected));
    const [first, second] = await patients(2);
    expect(code(await book(admin, doctor, first!, `${monday}T09:00:00.000Z`))).toBe('DOCTOR_UNAVAILABLE');
    expect(code(await book(admin, doctor, first!, `${monday}T11:00:00.000Z`))).toBe('DOCTOR_UNAVAILABLE');
    expect((await book(admin, doctor, second!, `${monday}T11:30:00.000Z`)).errors).toBeUndefined();
  });

  it('refuses malformed hours with BAD_USER_INPUT', async () => {
    const doctor = await aDoctorWithAccount();
    for (const weeklyHours of [
      [{ weekday: 8, opens: '09:00', closes: '10:00' }],
      [{ weekday: 1, opens: '12:00', closes: '11:00' }],
      [{ weekday: 1, opens: '9am', closes: '10:00' }],
    ]) {
      expect(code(await doctor.client.request(SET, { id: doctor.id, input: { weeklyHours } }))).toBe('BAD_USER_INPUT');
    }
  });
});

describe('the history import', () => {
  const IMPORT =
    'mutation($input: ImportAppointmentInput!) { importAppointment(input: $input) { id status imported identifier { system value } } }';

  it('records past appointments with their outcome, once, for admins only', async () => {
    const doctor = await aDoctorWithAccount();
    const [patientId] = await patients(1);
    const input = {
      patientId,
      doctorId: doctor.id,
      departmentId: doctor.departmentId,
      startsAt: '2016-05-02T10:00:00.000Z',
      status: 'NO_SHOW',
      identifier: { system: 'urn:test:history', value: `A-${doctor.id}` },
    };
    expect(code(await reception.request(IMPORT, { input }))).toBe('FORBIDDEN');
    const imported = await admin.data<{ importAppointment: { status: string; imported: boolean } }>(IMPORT, { input });
    expect(imported.importAppointment).toMatchObject({ status: 'NO_SHOW', imported: true });
    expect(code(await admin.request(IMPORT, { input }))).toBe('CONFLICT');
    expect(
      code(
        await admin.request(IMPORT, {
          input: { ...input, startsAt: slotAt(2, 10), identifier: { system: 'urn:test:history', value: 'future' } },
        }),
      ),
    ).toBe('BAD_USER_INPUT');
  });
});
