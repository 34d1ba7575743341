/**
 * Medical records as patients and doctors read them, on a real database (PostgreSQL when configured), through the
 * subgraph's own context factory, consumers and resolvers: who reads entries by every path (root field,
 * `Patient.medicalRecords`, `supersedes`, `_entities`), and the filtered newest-first pages of a patient's record.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import type { MedicalRecordFilter } from './medical-record.inputs.ts';
import {
  aBookedAppointment,
  codeOf,
  diagnosisInput,
  doctorUser,
  openPrescriptionsTestBed,
  patientUser,
  recordFilter,
  staffUser,
  vitalsInput,
  type AppointmentFacts,
  type PrescriptionsTestBed,
} from './prescriptions.fixtures.ts';

let bed: PrescriptionsTestBed;

beforeAll(async () => {
  bed = await openPrescriptionsTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const aBooked = (facts: Partial<AppointmentFacts> = {}) => aBookedAppointment(bed, facts);
const asDoctor = (appointment: AppointmentFacts) => bed.as(doctorUser(appointment.doctorId));

describe('reading a record', () => {
  let appointment: AppointmentFacts;
  let entryId: string;
  let correctionId: string;

  beforeAll(async () => {
    appointment = await aBooked();
    entryId = (await asDoctor(appointment).records.add(diagnosisInput(appointment.patientId, 'K21.9'))).id;
    correctionId = (
      await asDoctor(appointment).records.add(diagnosisInput(appointment.patientId, 'K21.0', { supersedesId: entryId }))
    ).id;
  });

  const reads = () => [
    { query: 'query($id: ID!) { medicalRecordEntry(id: $id) { id data } }', variables: { id: entryId } },
    {
      query:
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on MedicalRecordEntry { id supersedes { id } } } }',
      variables: { r: [{ __typename: 'MedicalRecordEntry', id: correctionId }] },
    },
    {
      query: `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Patient { medicalRecords(filter: { includeSuperseded: true }) { edges { node { id } } } } } }`,
      variables: { r: [{ __typename: 'Patient', id: appointment.patientId }] },
    },
  ];

  it('lets the patient and their doctor read it by every path', async () => {
    for (const caller of [patientUser(appointment.patientId), doctorUser(appointment.doctorId)]) {
      for (const read of reads()) {
        const answer = await bed.execute(caller, read.query, read.variables);
        expect(answer.errors).toEqual([]);
        expect(JSON.stringify(answer.data)).toMatch(new RegExp(`${entryId}|${correctionId}`));
      }
    }
  });

  it('refuses everyone else with FORBIDDEN by every path, disclosing nothing', async () => {
    for (const caller of [
      doctorUser(),
      staffUser('ADMIN'),
      staffUser('RECEPTION'),
      staffUser('BILLING'),
      patientUser(newId()),
    ]) {
      for (const read of reads()) {
        const answer = await bed.execute(caller, read.query, read.variables);
        expect(answer.errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(answer.data ?? null)).not.toMatch(new RegExp(`${entryId}|${correctionId}`));
      }
    }
  });

  it('refuses another doctor in the service too', async () => {
    const outsider = bed.as(doctorUser());
    expect(await codeOf(outsider.records.listOfPatient(appointment.patientId, recordFilter(), {}))).toBe('FORBIDDEN');
    expect(await codeOf(outsider.access.readable(await bed.as(null).loaders.entryById.load(entryId)))).toBe(
      'FORBIDDEN',
    );
  });
});

describe("a patient's record", () => {
  let appointment: AppointmentFacts;
  /** Entries by name, effective on consecutive days of February 2026 from the 1st. */
  const ids: Record<string, string> = {};
  const day = (n: number) => new Date(Date.UTC(2026, 1, n, 9));

  beforeAll(async () => {
    appointment = await aBooked();
    const doctor = asDoctor(appointment);
    const patientId = appointment.patientId;
    ids.vitals1 = (await doctor.records.add(vitalsInput(patientId, { effectiveAt: day(1) }))).id;
    ids.diagnosis2 = (await doctor.records.add(diagnosisInput(patientId, 'R05', { effectiveAt: day(2) }))).id;
    ids.vitals3 = (await doctor.records.add(vitalsInput(patientId, { effectiveAt: day(3) }))).id;
    ids.allergy4 = (
      await doctor.records.add({
        patientId,
        appointmentId: null,
        kind: 'ALLERGY',
        code: null,
        data: { substance: 'Penicillin', criticality: 'high' },
        effectiveAt: day(4),
        supersedesId: null,
      })
    ).id;
    // Corrects the diagnosis of day 2, with the onset moved to day 5.
    ids.diagnosis5 = (
      await doctor.records.add(
        diagnosisInput(patientId, 'J20.9', { effectiveAt: day(5), supersedesId: ids.diagnosis2 }),
      )
    ).id;
  });

  const list = async (overrides: Partial<MedicalRecordFilter>, first = 10) => {
    const page = await bed
      .as(patientUser(appointment.patientId))
      .records.listOfPatient(appointment.patientId, recordFilter(overrides), { first });
    return { ids: page.edges.map((edge) => edge.node.id), total: await page.totalCount() };
  };

  it('shows current entries newest effective first, and corrected ones only on request', async () => {
    expect(await list({})).toEqual({
      ids: [ids.diagnosis5, ids.allergy4, ids.vitals3, ids.vitals1],
      total: 4,
    });
    expect(await list({ includeSuperseded: true })).toEqual({
      ids: [ids.diagnosis5, ids.allergy4, ids.vitals3, ids.diagnosis2, ids.vitals1],
      total: 5,
    });
  });

  it('filters by kind and by effective time, from inclusive and to exclusive', async () => {
    expect(await list({ kinds: ['VITALS'] })).toEqual({ ids: [ids.vitals3, ids.vitals1], total: 2 });
    expect(await list({ kinds: ['DIAGNOSIS'], includeSuperseded: true })).toEqual({
      ids: [ids.diagnosis5, ids.diagnosis2],
      total: 2,
    });
    expect(await list({ effectiveFrom: day(3), effectiveTo: day(5) })).toEqual({
      ids: [ids.allergy4, ids.vitals3],
      total: 2,
    });
  });

  it('pages through the record with cursors', async () => {
    const patient = bed.as(patientUser(appointment.patientId));
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await patient.records.listOfPatient(
        appointment.patientId,
        recordFilter({ includeSuperseded: true }),
        {
          first: 2,
          after,
        },
      );
      pages++;
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([ids.diagnosis5, ids.allergy4, ids.vitals3, ids.diagnosis2, ids.vitals1]);
  });

  it('refuses a filter that ends before it starts', async () => {
    const answer = await bed.execute(
      patientUser(appointment.patientId),
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient {
        medicalRecords(filter: { effectiveFrom: "2026-02-05T00:00:00Z", effectiveTo: "2026-02-01T00:00:00Z" }) { totalCount }
      } } }`,
      { r: [{ __typename: 'Patient', id: appointment.patientId }] },
    );
    expect(answer.errors.map((error) => [error.code, error.field])).toEqual([['BAD_USER_INPUT', 'filter.effectiveTo']]);
  });
});
