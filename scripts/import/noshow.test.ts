/**
 * `importNoShow` against an in-memory fake of the graph (no server) on the fixture slice: what it sends, what it
 * counts by code, how it waits for the appointments subgraph and how a rerun skips everything. The fake applies the
 * rules the fixture meets (weekdays only, lead time, one appointment per patient or doctor slot, identifiers).
 */
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { GraphClient, GraphRequestError } from '../../platform/graphql/client.ts';
import { GraphMismatchError } from './cli.ts';
import { NOSHOW_APPOINTMENT_SYSTEM, NOSHOW_PATIENT_SYSTEM, NOSHOW_REPLAY_SYSTEM } from './noshow.mapping.ts';
import { importNoShow, type ImportNoShowOptions } from './noshow.ts';

const FIXTURE = join(import.meta.dirname, '../../test/fixtures/noshow-slice/KaggleV2-May-2016.csv');
/** A Saturday: the fixture's first day (Friday 2016-04-29) replays on Friday 2025-11-28. */
const CLOCK = () => new Date('2025-11-22T12:00:00Z');

type Variables = Record<string, any>;
interface Appointment {
  id: string;
  patientId: string;
  doctorId: string;
  startsAt: string;
  status: string;
  identifier: { system: string; value: string };
}

class FakeGraph {
  departments: { id: string; name: string; code: string }[] = [];
  doctors: { id: string; departmentId: string; input: Variables }[] = [];
  patients: { id: string; input: Variables }[] = [];
  appointments: Appointment[] = [];
  calls = new Map<string, number>();
  /** Polls of `availableSlots` before a new doctor is known to the appointments subgraph. */
  doctorLag = 0;
  /** Bookings refused as an unknown patient, per PatientId identifier value, before it is known. */
  patientLag = new Map<string, number>();
  maxLookupValues = 0;
  /** The graph's clock (lead time, past imports) and time zone (slots of `availableSlots`). */
  now = CLOCK();
  timeZone = 'UTC';
  /** Extra behaviour per operation; return undefined to fall through to the default. */
  hooks: Partial<Record<string, (variables: Variables) => unknown>> = {};
  inFlight = 0;
  maxInFlight = 0;
  #polls = new Map<string, number>();

  client(): GraphClient {
    const graph = this;
    return new (class extends GraphClient {
      override async data<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
        return (await graph.answer(query, variables)) as Data;
      }
    })('http://fake.test/graphql', 'token');
  }

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  async answer(query: string, variables: Variables): Promise<unknown> {
    const operation = /(?:query|mutation) (\w+)/.exec(query)![1]!;
    this.calls.set(operation, this.count(operation) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const hooked = this.hooks[operation]?.(variables);
      if (hooked !== undefined) return hooked;
      return this.default(operation, variables);
    } finally {
      this.inFlight--;
    }
  }

  error(code: string, message: string, field?: string): GraphRequestError {
    const extensions = { code, ...(field ? { field } : {}) };
    return new GraphRequestError({ status: 200, data: null, errors: [{ message, extensions }] });
  }

  byIdentifier<T extends { input: Variables }>(rows: T[], variables: Variables): T[] {
    this.maxLookupValues = Math.max(this.maxLookupValues, variables.values.length);
    return rows.filter(({ input }) =>
      input.identifiers.some((i: Variables) => i.system === variables.system && variables.values.includes(i.value)),
    );
  }

  default(operation: string, variables: Variables): unknown {
    const input = variables.input;
    switch (operation) {
      case 'ImportDepartments':
        return { departments: this.departments };
      case 'ImportCreateDepartment': {
        if (this.departments.some((d) => d.name === input.name || d.code === input.code))
          throw this.error('CONFLICT', 'A department with this name or code exists.');
        const department = { id: `dept-${input.code}`, name: input.name, code: input.code };
        this.departments.push(department);
        return { createDepartment: department };
      }
      case 'ImportDoctorsByIdentifier':
        return {
          doctorsByIdentifier: this.byIdentifier(this.doctors, variables).map((doctor) => ({
            id: doctor.id,
            department: { id: doctor.departmentId },
            identifiers: doctor.input.identifiers,
          })),
        };
      case 'ImportCreateDoctor': {
        const doctor = { id: `doctor-${this.doctors.length + 1}`, departmentId: input.departmentId, input };
        this.doctors.push(doctor);
        return { createDoctor: { id: doctor.id } };
      }
      case 'ImportPatientsByIdentifier':
        return {
          patientsByIdentifier: this.byIdentifier(this.patients, variables).map((patient) => ({
            id: patient.id,
            identifiers: patient.input.identifiers,
          })),
        };
      case 'ImportRegisterPatient': {
        const patient = { id: `patient-${this.patients.length + 1}`, input };
        this.patients.push(patient);
        return { registerPatient: { id: patient.id } };
      }
      case 'NoShowDoctorSlots': {
        const polls = (this.#polls.get(variables.id) ?? 0) + 1;
        this.#polls.set(variables.id, polls);
        // Before the appointments subgraph knows the doctor: nothing; then every slot of the day, 09:00–17:30.
        const day = DateTime.fromISO(variables.date, { zone: this.timeZone }).set({ hour: 9 });
        const slots = Array.from({ length: 18 }, (_, k) =>
          day
            .plus({ minutes: 30 * k })
            .toUTC()
            .toISO(),
        );
        return { doctor: { availableSlots: polls > this.doctorLag ? slots : [] } };
      }
      case 'NoShowAppointmentsByIdentifier':
        this.maxLookupValues = Math.max(this.maxLookupValues, variables.values.length);
        return {
          appointmentsByIdentifier: this.appointments
            .filter((a) => a.identifier.system === variables.system && variables.values.includes(a.identifier.value))
            .map((a) => ({ id: a.id, startsAt: a.startsAt, identifier: a.identifier })),
        };
      case 'NoShowBookAppointment':
        return { bookAppointment: this.book(input) };
      case 'NoShowImportAppointment':
        return { importAppointment: this.import(input) };
      default:
        throw new Error(`unexpected operation ${operation}`);
    }
  }

  book(input: Variables): Appointment {
    const patient = this.patients.find((p) => p.id === input.patientId)!;
    const value = patient.input.identifiers[0].value;
    const lag = this.patientLag.get(value) ?? 0;
    if (lag > 0) {
      this.patientLag.set(value, lag - 1);
      throw this.error('BAD_USER_INPUT', `input.patientId: no bookable patient ${input.patientId}`, 'input.patientId');
    }
    const startsAt = DateTime.fromISO(input.startsAt, { zone: 'UTC' });
    if (startsAt.weekday > 5) throw this.error('DOCTOR_UNAVAILABLE', 'The doctor does not work then.');
    if (startsAt.toMillis() - this.now.getTime() < 2 * 3_600_000)
      throw this.error('LEAD_TIME_TOO_SHORT', 'The slot starts too soon to book.');
    return this.insert(input, 'PENDING');
  }

  import(input: Variables): Appointment {
    if (input.startsAt >= this.now.toISOString())
      throw this.error('BAD_USER_INPUT', 'input.startsAt: an imported appointment must be in the past');
    return this.insert(input, input.status);
  }

  insert(input: Variables, status: string): Appointment {
    const same = (a: Appointment) => a.identifier.system === input.identifier.system;
    if (this.appointments.some((a) => same(a) && a.identifier.value === input.identifier.value))
      throw this.error('CONFLICT', 'This appointment was booked or imported before.');
    if (status === 'PENDING') {
      const active = this.appointments.filter((a) => a.status === 'PENDING' && a.startsAt === input.startsAt);
      if (active.some((a) => a.doctorId === input.doctorId))
        throw this.error('SLOT_UNAVAILABLE', 'The doctor has an appointment then.');
      if (active.some((a) => a.patientId === input.patientId))
        throw this.error('PATIENT_DOUBLE_BOOKED', 'The patient has an appointment then.');
    }
    const appointment = { ...input, id: `appointment-${this.appointments.length + 1}`, status } as Appointment;
    this.appointments.push(appointment);
    return appointment;
  }
}

const run = (graph: FakeGraph, options: Partial<ImportNoShowOptions> = {}) =>
  importNoShow({ file: FIXTURE, client: graph.client(), clock: CLOCK, retryDelaysMs: [0, 0, 0], ...options });

describe('importNoShow in replay mode', () => {
  it('books the fixture on coming weeks and counts the refusals by code', async () => {
    const graph = new FakeGraph();
    // One at a time, so that the first of each double booking (in file order) is the one accepted.
    const summary = await run(graph, { concurrency: 1 });
    expect(summary.departments).toMatchObject({ total: 37, created: 37, skipped: 0, failed: 0 });
    expect(summary.doctors).toMatchObject({ total: 46, created: 46, skipped: 0, failed: 0 });
    expect(summary.patients).toMatchObject({ total: 155, created: 155, skipped: 0, failed: 0 });
    expect(summary.appointments).toMatchObject({ total: 159, created: 117, skipped: 0, failed: 42 });
    expect(summary.appointments.createdByStatus).toEqual({ PENDING: 117 });
    expect(summary.appointments.failedByCode).toEqual({
      DOCTOR_UNAVAILABLE: { count: 39, examples: [110, 111, 112, 113, 114] },
      INVALID_ROW: { count: 1, examples: [158] },
      PATIENT_DOUBLE_BOOKED: { count: 2, examples: [29, 106] },
    });
    expect(summary.replay).toEqual({ weeks: 500, pinned: false, firstDay: '2025-11-28', lastDay: '2026-01-02' });
    // A first run has no appointment to look up: nothing existed.
    expect(graph.count('NoShowAppointmentsByIdentifier')).toBe(0);

    // Every booking: a slot from 09:00 to 12:30, on the original weekday, at least two days ahead.
    for (const appointment of graph.appointments) {
      const startsAt = DateTime.fromISO(appointment.startsAt, { zone: 'UTC' });
      expect(startsAt.toFormat('HH:mm') >= '09:00' && startsAt.toFormat('HH:mm') <= '12:30').toBe(true);
      expect([0, 30]).toContain(startsAt.minute);
      expect(startsAt.toISODate()! >= '2025-11-24').toBe(true);
      expect(appointment.identifier.system).toBe(NOSHOW_REPLAY_SYSTEM);
    }
    const first = graph.appointments.find((a) => a.identifier.value === '5642903')!; // row 2, Friday 2016-04-29
    expect(DateTime.fromISO(first.startsAt, { zone: 'UTC' }).toISODate()).toBe('2025-11-28');
  });

  it('creates nothing on a second run and sends only the rows refused before', async () => {
    const graph = new FakeGraph();
    await run(graph);
    const bookings = graph.count('NoShowBookAppointment');
    const second = await run(graph);
    expect(second.departments).toMatchObject({ created: 0, skipped: 37 });
    expect(second.doctors).toMatchObject({ created: 0, skipped: 46 });
    expect(second.patients).toMatchObject({ created: 0, skipped: 155 });
    expect(second.appointments).toMatchObject({ created: 0, skipped: 117, failed: 42 });
    expect(graph.count('NoShowBookAppointment') - bookings).toBe(41);
    expect(graph.count('ImportCreateDoctor')).toBe(46);
    expect(graph.appointments).toHaveLength(117);
    expect(second.replay).toMatchObject({ weeks: 500, pinned: true });
  });

  it('keeps the first run’s dates on a rerun a week later, so rows refused before are not booked elsewhere', async () => {
    const graph = new FakeGraph();
    const first = await run(graph, { concurrency: 1 });
    expect(first.appointments.failedByCode.PATIENT_DOUBLE_BOOKED!.count).toBe(2);
    // A week later, today's shift would be 501 weeks, where nothing blocks the double bookings any more.
    const later = new Date(CLOCK().getTime() + 7 * 86_400_000);
    graph.now = later;
    const second = await run(graph, { concurrency: 1, clock: () => later });
    expect(second.replay).toEqual({ weeks: 500, pinned: true, firstDay: '2025-11-28', lastDay: '2026-01-02' });
    expect(second.appointments).toMatchObject({ created: 0, skipped: 117, failed: 42 });
    expect(graph.appointments).toHaveLength(117);
    // Refused again where they were: row 29 (Friday 2025-11-28) is past now, row 106 still double-booked.
    expect(second.appointments.failures.filter((f) => f.row === 29 || f.row === 106)).toEqual([
      expect.objectContaining({ row: 29, code: 'LEAD_TIME_TOO_SHORT' }),
      expect.objectContaining({ row: 106, code: 'PATIENT_DOUBLE_BOOKED' }),
    ]);
  });

  it('stops before booking when the graph does not offer the planned slots (another time zone)', async () => {
    // The importer west of the graph: its 09:00 is the graph's 12:00, inside clinic hours, and still refused.
    const west = new FakeGraph();
    await expect(run(west, { timeZone: 'America/Sao_Paulo' })).rejects.toThrow(GraphMismatchError);
    expect(west.count('NoShowBookAppointment')).toBe(0);

    const graph = new FakeGraph();
    graph.timeZone = 'America/Sao_Paulo';
    const error = await run(graph).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphMismatchError);
    // The graph's day opens at 09:00 in Vitória, 12:00 in UTC.
    expect((error as Error).message).toContain(
      "first free slots on 2025-11-25 are 12:00, 12:30, 13:00, 13:30, 14:00, 14:30, 15:00, 15:30 in UTC, but the importer plans 09:00, 09:30, 10:00, 10:30, 11:00, 11:30, 12:00, 12:30. Most likely --timezone UTC is not the graph's HMS_TIMEZONE",
    );
    expect(graph.count('NoShowBookAppointment')).toBe(0);
  });

  it('skips a CONFLICT only when the record is then found by its identifier', async () => {
    const graph = new FakeGraph();
    let registrations = 0;
    graph.hooks.ImportRegisterPatient = (variables) => {
      registrations++;
      // The first: a concurrent import registered it just before. The second: another unique field is taken.
      if (registrations === 1) {
        graph.patients.push({ id: 'patient-raced', input: variables.input });
        throw graph.error('CONFLICT', 'The identifier is already registered.');
      }
      if (registrations === 2) throw graph.error('CONFLICT', 'The MRN is taken.');
      return undefined;
    };
    const summary = await run(graph, { concurrency: 1 });
    expect(summary.patients).toMatchObject({ created: 153, skipped: 1, failed: 1 });
    expect(summary.patients.failures).toEqual([
      {
        row: 3,
        id: '558997776694438',
        code: 'CONFLICT',
        reason:
          'CONFLICT: The MRN is taken. (no patient has identifier 558997776694438, so another of its unique fields is taken)',
      },
    ]);
    // The raced patient is booked under the id found; the other's rows fail as NO_PATIENT.
    expect(graph.appointments.some((a) => a.patientId === 'patient-raced')).toBe(true);
    expect(summary.appointments.failedByCode.NO_PATIENT).toEqual({ count: 1, examples: [3] });
  });

  it('fails a CONFLICT whose lookup fails instead of counting it as skipped', async () => {
    const graph = new FakeGraph();
    let lookups = 0;
    graph.hooks.ImportRegisterPatient = () => {
      throw graph.error('CONFLICT', 'The identifier is already registered.');
    };
    graph.hooks.ImportPatientsByIdentifier = (variables) => {
      // The first lookup (what exists) answers; the ones after a CONFLICT fail.
      if (++lookups > 1 && variables.system === NOSHOW_PATIENT_SYSTEM) throw new Error('connection reset');
      return undefined;
    };
    const summary = await run(graph, { limit: 3 });
    expect(summary.patients).toMatchObject({ total: 3, created: 0, skipped: 0, failed: 3 });
    expect(summary.patients.failures[0]).toMatchObject({
      code: 'CONFLICT',
      reason: expect.stringContaining('looking it up failed, so it is not known to exist: connection reset'),
    });
  });

  it('retries a booking while the appointments subgraph does not know the new patient yet', async () => {
    const graph = new FakeGraph();
    graph.patientLag.set('29872499824296', 2); // row 2: known after two refusals
    graph.patientLag.set('558997776694438', 99); // row 3: never known
    const summary = await run(graph);
    expect(summary.appointments.created).toBe(116);
    expect(summary.appointments.failedByCode.BAD_USER_INPUT).toEqual({ count: 1, examples: [3] });
    expect(graph.appointments.some((a) => a.identifier.value === '5642903')).toBe(true);
  });

  it('waits until every new doctor can be booked before booking', async () => {
    const graph = new FakeGraph();
    graph.doctorLag = 2;
    const summary = await run(graph);
    expect(graph.count('NoShowDoctorSlots')).toBe(46 * 3);
    expect(summary.appointments.created).toBe(117);
  });

  it('looks up at most batchSize identifiers at once and keeps at most concurrency requests in flight', async () => {
    const graph = new FakeGraph();
    await run(graph, { batchSize: 10, concurrency: 3 });
    expect(graph.maxLookupValues).toBe(10);
    expect(graph.count('ImportPatientsByIdentifier')).toBe(16); // 155 patients
    expect(graph.maxInFlight).toBe(3);
  });

  it('imports only the first rows with a limit, and only what they need', async () => {
    const graph = new FakeGraph();
    const summary = await run(graph, { limit: 20 });
    expect(summary.appointments.total).toBe(20);
    expect(summary.patients.total).toBeLessThanOrEqual(20);
    expect(graph.departments.length).toBe(summary.departments.created);
    expect(summary.departments.total).toBeLessThan(37);
  });

  it('gives a department a free code when another department holds its own', async () => {
    const graph = new FakeGraph();
    graph.departments.push({ id: 'dept-existing', name: 'Cardiology', code: 'CONQUI' });
    const summary = await run(graph);
    expect(summary.departments).toMatchObject({ created: 37, failed: 0 });
    expect(graph.departments.find((d) => d.name === 'Unidade Conquista')!.code).toBe('CONQUI2');
  });
});

describe('importNoShow in history mode', () => {
  it('records the 2016 appointments with their outcome, and skips them all on a rerun', async () => {
    const graph = new FakeGraph();
    const summary = await run(graph, { mode: 'history' });
    expect(summary.appointments).toMatchObject({ total: 159, created: 158, skipped: 0, failed: 1 });
    expect(summary.appointments.createdByStatus).toEqual({ COMPLETED: 123, NO_SHOW: 35 });
    expect(summary.replay).toBeUndefined();
    // Row 2 is the fourth AppointmentID of Jardim da Penha that day: doctor 1's fourth slot.
    const first = graph.appointments.find((a) => a.identifier.value === '5642903')!;
    expect(first).toMatchObject({
      startsAt: '2016-04-29T10:30:00.000Z',
      status: 'COMPLETED',
      identifier: { system: NOSHOW_APPOINTMENT_SYSTEM, value: '5642903' },
    });

    const imports = graph.count('NoShowImportAppointment');
    const second = await run(graph, { mode: 'history' });
    expect(second.appointments).toMatchObject({ created: 0, skipped: 158, failed: 1 });
    expect(second.patients).toMatchObject({ created: 0, skipped: 155 });
    expect(graph.count('NoShowImportAppointment')).toBe(imports);
  });

  it('lays the slots out in the hospital’s time zone', async () => {
    const graph = new FakeGraph();
    graph.timeZone = 'America/Sao_Paulo';
    await run(graph, { mode: 'history', timeZone: 'America/Sao_Paulo', limit: 1 });
    // 10:30 in Vitória (UTC−3).
    expect(graph.appointments[0]!.startsAt).toBe('2016-04-29T13:30:00.000Z');
  });
});
