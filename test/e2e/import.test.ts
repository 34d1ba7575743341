/**
 * Real data in through the graph's own API and back out through federated queries: the Synthea slice
 * (test/fixtures/synthea-slice) imported as an admin client over HTTP with its clinical history, imported again
 * without duplicates, bad rows reported and not written, then bookings for the imported patients read back with
 * their doctors and departments. (The whole Nebraska set: synthea-clinical-import.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { importSynthea } from '../../scripts/import/synthea.ts';
import { SYNTHEA_PATIENT_SYSTEM, SYNTHEA_PROVIDER_SYSTEM } from '../../scripts/import/synthea.mapping.ts';
import { BOOK, slotAt, untilBookable } from '../builders.ts';

const fixture = fileURLToPath(new URL('../fixtures/synthea-slice', import.meta.url));
const fixtureIds = (file: string): string[] =>
  readFileSync(join(fixture, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);

let graph: TestGraph;
let admin: GraphClient;

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
});
afterAll(async () => {
  await graph?.stop();
});

interface ImportedPatient {
  id: string;
  givenName: string;
  familyName: string;
  birthDate: string;
  deceasedDate: string | null;
  sex: string;
  address: { city: string | null; state: string | null; postalCode: string | null; country: string | null } | null;
  identifiers: { system: string; value: string }[];
}

const patientsBySyntheaId = async (values: string[]) =>
  (
    await admin.data<{ patientsByIdentifier: ImportedPatient[] }>(
      `query($system: String!, $values: [String!]!) { patientsByIdentifier(system: $system, values: $values) {
        id givenName familyName birthDate deceasedDate sex address { city state postalCode country } identifiers { system value }
      } }`,
      { system: SYNTHEA_PATIENT_SYSTEM, values },
    )
  ).patientsByIdentifier;

describe('importing the Synthea slice through the gateway', () => {
  it('creates every patient, doctor and the departments derived from encounter classes', async () => {
    const summary = await importSynthea({ folder: fixture, client: admin });
    const patientIds = fixtureIds('patients.csv');
    const providerIds = fixtureIds('providers.csv');
    expect(summary.patients).toMatchObject({ total: patientIds.length, created: patientIds.length, failed: 0 });
    expect(summary.doctors).toMatchObject({ total: providerIds.length, created: providerIds.length, failed: 0 });
    expect(summary.departments.failed).toBe(0);
    expect(summary.departments.created).toBeGreaterThan(1);

    const imported = await patientsBySyntheaId(patientIds);
    expect(imported).toHaveLength(patientIds.length);
    const first = imported.find((patient) =>
      patient.identifiers.some((identifier) => identifier.value === patientIds[0]),
    )!;
    const csvRow = readFileSync(join(fixture, 'patients.csv'), 'utf8').split('\n')[1]!.split(',');
    expect(first).toMatchObject({ givenName: csvRow[7], familyName: csvRow[8], birthDate: csvRow[1] });
    expect(first.address?.state).toBe('Nebraska');
    expect(imported.filter((patient) => patient.deceasedDate !== null).length).toBeGreaterThan(0);

    const departments = await admin.data<{ departments: { name: string }[] }>('{ departments { name } }');
    expect(departments.departments.map((department) => department.name)).toEqual(
      expect.arrayContaining(['Ambulatory Care', 'Primary Care']),
    );

    // The clinical history: every row of the slice's medications, conditions and encounters, one medicine per
    // RxNorm code.
    const rows = (file: string) => fixtureIds(file).length;
    const codes = new Set(
      readFileSync(join(fixture, 'medications.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[5]),
    );
    expect(summary.medicines).toMatchObject({ total: codes.size, created: codes.size, failed: 0 });
    expect(summary.prescriptions).toMatchObject({ created: rows('medications.csv'), failed: 0 });
    expect(summary.diagnoses).toMatchObject({ created: rows('conditions.csv'), failed: 0 });
    expect(summary.encounterNotes).toMatchObject({ created: rows('encounters.csv'), failed: 0 });
  });

  it('creates nothing when run again', async () => {
    const again = await importSynthea({ folder: fixture, client: admin });
    for (const kind of [
      again.departments,
      again.doctors,
      again.patients,
      again.medicines,
      again.prescriptions,
      again.diagnoses,
      again.encounterNotes,
    ]) {
      expect(kind).toMatchObject({ created: 0, failed: 0, skipped: kind.total });
    }
  });

  it('reports bad rows with their reasons and writes none of them', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hms-synthea-bad-'));
    try {
      cpSync(fixture, folder, { recursive: true });
      const header =
        'Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME';
      const future =
        'aaaaaaaa-0000-0000-0000-000000000001,2999-01-01,,999-00-0001,,,,Future,Born,,,,white,nonhispanic,F,X,1 Main St,Omaha,Nebraska,Douglas County,,68114,0,0,0,0,0';
      const nameless =
        'aaaaaaaa-0000-0000-0000-000000000002,1990-01-01,,999-00-0002,,,,,Nameless,,,,white,nonhispanic,M,X,1 Main St,Omaha,Nebraska,Douglas County,,68114,0,0,0,0,0';
      writeFileSync(join(folder, 'patients.csv'), `${header}\n${future}\n${nameless}\n`);
      const summary = await importSynthea({ folder, client: admin });
      expect(summary.patients).toMatchObject({ total: 2, created: 0, failed: 2 });
      expect(summary.patients.failures.map((failure) => failure.row)).toEqual([2, 3]);
      expect(summary.patients.failures[0]!.reason).toMatch(/BIRTHDATE/);
      expect(summary.patients.failures[1]!.reason).toMatch(/FIRST/);
      expect(
        await patientsBySyntheaId(['aaaaaaaa-0000-0000-0000-000000000001', 'aaaaaaaa-0000-0000-0000-000000000002']),
      ).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('returns imported patients with their appointments, each with its doctor and department', async () => {
    const living = (await patientsBySyntheaId(fixtureIds('patients.csv')))
      .filter((patient) => !patient.deceasedDate)
      .slice(0, 3);
    const doctors = (
      await admin.data<{ doctorsByIdentifier: { id: string; department: { id: string; name: string } }[] }>(
        'query($system: String!, $values: [String!]!) { doctorsByIdentifier(system: $system, values: $values) { id department { id name } } }',
        { system: SYNTHEA_PROVIDER_SYSTEM, values: fixtureIds('providers.csv') },
      )
    ).doctorsByIdentifier.slice(0, 3);
    await untilBookable(graph, {
      doctorIds: doctors.map((doctor) => doctor.id),
      patientIds: living.map((patient) => patient.id),
    });
    for (const [index, patient] of living.entries()) {
      const doctor = doctors[index]!;
      await admin.data(BOOK, {
        input: {
          patientId: patient.id,
          doctorId: doctor.id,
          departmentId: doctor.department.id,
          startsAt: slotAt(14, 9 + index),
        },
      });
    }

    const data = await admin.data<{
      patients: {
        edges: {
          node: {
            id: string;
            appointments: {
              edges: { node: { doctor: { id: string; department: { name: string } }; department: { id: string } } }[];
            };
          };
        }[];
      };
    }>(`{ patients(first: 100) { edges { node { id appointments { edges { node {
      doctor { id department { name } } department { id }
    } } } } } } }`);
    for (const [index, patient] of living.entries()) {
      const node = data.patients.edges.find((edge) => edge.node.id === patient.id)!.node;
      expect(node.appointments.edges).toHaveLength(1);
      expect(node.appointments.edges[0]!.node).toEqual({
        doctor: { id: doctors[index]!.id, department: { name: doctors[index]!.department.name } },
        department: { id: doctors[index]!.department.id },
      });
    }
  });

  it('refuses to book a patient who has died', async () => {
    const deceased = (await patientsBySyntheaId(fixtureIds('patients.csv'))).find((patient) => patient.deceasedDate)!;
    const doctor = (
      await admin.data<{ doctorsByIdentifier: { id: string; department: { id: string } }[] }>(
        'query($system: String!, $values: [String!]!) { doctorsByIdentifier(system: $system, values: $values) { id department { id } } }',
        { system: SYNTHEA_PROVIDER_SYSTEM, values: fixtureIds('providers.csv').slice(0, 1) },
      )
    ).doctorsByIdentifier[0]!;
    // Wait until scheduling knows the patient (and that they died), so the refusal is for the right reason.
    await untilBookable(graph, { doctorIds: [doctor.id], patientIds: [deceased.id] });
    const response = await admin.request(BOOK, {
      input: {
        patientId: deceased.id,
        doctorId: doctor.id,
        departmentId: doctor.department.id,
        startsAt: slotAt(15, 9),
      },
    });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patientId' });
  });
});
