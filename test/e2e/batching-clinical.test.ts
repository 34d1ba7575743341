/**
 * Batching (issue 10), the per-parent lists `test/e2e/batching.test.ts` does not reach: a doctor's page of K patients
 * with their prescriptions and medical records (read as the doctor who has had an appointment with every one of them,
 * as SPEC §2 allows), and the page of departments with their doctors, cost the same number of subgraph requests and
 * SQL statements for K = 10 and K = 50. A per-parent read anywhere on either page makes the larger page cost more.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, subgraphOf, type TestGraph } from '../../platform/testing/graph.ts';
import { QueryCounter, type RequestCounts } from '../../platform/testing/query-count.ts';
import { CareRelationship, PatientReplica } from '../../subgraphs/prescriptions/prescription.entity.ts';
import { CareRelationship as PatientsCareRelationship } from '../../subgraphs/patients/patient.entity.ts';
import { forEachConcurrently } from '../../scripts/import/concurrency.ts';
import { aDepartment, aDoctor, aDoctorWithAccount, aPatient, untilBookable } from '../builders.ts';

const PAGE_SIZES = [10, 50] as const;
/** Prescriptions and record entries seeded per patient; the page asks for one fewer, so each has a next page. */
const PER_PATIENT = 3;
const DOCTORS_PER_DEPARTMENT = 3;
const CONCURRENCY = 8;

const CLINICAL_PAGE = `query ClinicalPage($first: Int!, $search: String, $perPatient: Int!) {
  patients(first: $first, search: $search) {
    edges { node {
      id
      prescriptions(first: $perPatient) {
        totalCount
        pageInfo { hasNextPage }
        edges { node { id medicationText issuedAt patient { id } doctor { id displayName } } }
      }
      medicalRecords(first: $perPatient, filter: { kinds: [DIAGNOSIS, VITALS] }) {
        totalCount
        pageInfo { hasNextPage }
        edges { node { id kind current effectiveAt author { id } } }
      }
    } }
  }
}`;

const DEPARTMENT_PAGE = `query DepartmentPage($perDepartment: Int!) {
  departments {
    id name
    doctors(first: $perDepartment) {
      totalCount
      pageInfo { hasNextPage }
      edges { node { id displayName department { id code } } }
    }
  }
}`;

interface ClinicalPageData {
  patients: {
    edges: {
      node: {
        id: string;
        prescriptions: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean };
          edges: { node: { patient: { id: string } } }[];
        };
        medicalRecords: { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: { node: { kind: string } }[] };
      };
    }[];
  };
}

interface DepartmentPageData {
  departments: {
    id: string;
    doctors: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean };
      edges: { node: { department: { id: string } } }[];
    };
  }[];
}

interface Measured<Data> {
  size: number;
  counts: RequestCounts;
  data: Data;
}

let graph: TestGraph;
let counter: QueryCounter;
const clinical: Measured<ClinicalPageData>[] = [];
const departments: Measured<DepartmentPageData>[] = [];
let departmentIds: string[] = [];

/** Sends one query as `client` and returns its data with what it cost; fails on any error. */
async function measure<Data>(client: GraphClient, query: string, variables: Record<string, unknown>) {
  const { result, counts } = await counter.count((headers) => client.request<Data>(query, variables, headers));
  if (result.errors?.length || !result.data) throw new Error(`answered with errors: ${JSON.stringify(result.errors)}`);
  return { counts, data: result.data };
}

/** Creates departments until there are `count`, each with its doctors. */
async function seedDepartments(admin: GraphClient, count: number): Promise<void> {
  const added: string[] = new Array(count - departmentIds.length);
  await forEachConcurrently(added, CONCURRENCY, async (_, index) => {
    added[index] = (await aDepartment(admin)).id;
  });
  await forEachConcurrently(
    added.flatMap((id) => Array.from({ length: DOCTORS_PER_DEPARTMENT }, () => id)),
    CONCURRENCY,
    async (departmentId) => {
      await aDoctor(admin, departmentId);
    },
  );
  departmentIds = [...departmentIds, ...added];
}

beforeAll(async () => {
  graph = await startTestGraph();
  const admin = await graph.admin();
  counter = QueryCounter.attach(graph);

  // Departments: measured with 10, then with 50 (the graph has no other departments yet).
  for (const size of PAGE_SIZES) {
    await seedDepartments(admin, size);
    departments.push({
      size,
      ...(await measure<DepartmentPageData>(admin, DEPARTMENT_PAGE, { perDepartment: DOCTORS_PER_DEPARTMENT - 1 })),
    });
  }

  // Patients of one doctor: an imported past visit each makes the care relationship that lets the doctor read.
  const marker = `Clinical${Date.now().toString(36)}`;
  const department = await aDepartment(admin);
  const doctor = await aDoctorWithAccount(graph, admin, department.id);
  const patientIds: string[] = new Array(Math.max(...PAGE_SIZES));
  await forEachConcurrently(patientIds, CONCURRENCY, async (_, index) => {
    patientIds[index] = (await aPatient(admin, { givenName: 'Page', familyName: `${marker} ${index + 1}` })).id;
  });
  await untilBookable(graph, { patientIds });
  await forEachConcurrently(patientIds, CONCURRENCY, async (patientId, index) => {
    const startsAt = new Date(Date.UTC(2024, 0, 8 + (index % 5), 12) - Math.floor(index / 5) * 7 * 86_400_000);
    await admin.data('mutation($input: ImportAppointmentInput!) { importAppointment(input: $input) { id } }', {
      input: {
        patientId,
        doctorId: doctor.id,
        departmentId: department.id,
        startsAt: startsAt.toISOString(),
        status: 'COMPLETED',
        identifier: { system: `urn:hms:test:${marker}`, value: String(index) },
      },
    });
  });
  const prescriptions = subgraphOf(graph, 'prescriptions').runtime.orm;
  const patients = subgraphOf(graph, 'patients').runtime.orm;
  await eventually(
    async () =>
      (await prescriptions.em
        .fork()
        .count(CareRelationship, { doctorId: doctor.id, patientId: { $in: patientIds } })) === patientIds.length &&
      (await prescriptions.em.fork().count(PatientReplica, { patientId: { $in: patientIds } })) === patientIds.length &&
      (await patients.em
        .fork()
        .count(PatientsCareRelationship, { doctorId: doctor.id, patientId: { $in: patientIds } })) ===
        patientIds.length,
    60_000,
  );

  const rows = patientIds.flatMap((patientId, p) =>
    Array.from({ length: PER_PATIENT }, (_, n) => ({ patientId, p, n, at: `2024-0${n + 1}-15T10:00:00.000Z` })),
  );
  for (let start = 0; start < rows.length; start += 100) {
    const batch = rows.slice(start, start + 100);
    await admin.data('mutation($input: ImportPrescriptionsInput!) { importPrescriptions(input: $input) { created } }', {
      input: {
        prescriptions: batch.map(({ patientId, p, n, at }) => ({
          identifier: { system: `urn:hms:test:${marker}:prescription`, value: `${p}-${n}` },
          patientId,
          doctorId: doctor.id,
          medicationText: `Amoxicillin ${n + 1}`,
          issuedAt: at,
        })),
      },
    });
    await admin.data(
      'mutation($input: ImportMedicalRecordEntriesInput!) { importMedicalRecordEntries(input: $input) { created } }',
      {
        input: {
          entries: batch.map(({ patientId, p, n, at }) => ({
            identifier: { system: `urn:hms:test:${marker}:entry`, value: `${p}-${n}` },
            patientId,
            doctorId: doctor.id,
            kind: 'VITALS',
            data: { heartRateBpm: 60 + n },
            effectiveAt: at,
          })),
        },
      },
    );
  }

  for (const size of PAGE_SIZES) {
    clinical.push({
      size,
      ...(await measure<ClinicalPageData>(doctor.client, CLINICAL_PAGE, {
        first: size,
        search: marker,
        perPatient: PER_PATIENT - 1,
      })),
    });
  }
  console.log(
    `batching (clinical, departments): ${JSON.stringify({
      clinical: clinical.map(({ size, counts }) => ({ size, ...counts })),
      departments: departments.map(({ size, counts }) => ({ size, ...counts })),
    })}`,
  );
}, 600_000);

afterAll(async () => {
  counter?.detach();
  await graph?.stop();
});

describe("a doctor's page of patients with their prescriptions and medical records", () => {
  it('returns the whole seeded page at every size, every list with its next page', () => {
    for (const { size, data } of clinical) {
      const page = data.patients.edges.map(({ node }) => node);
      expect(page).toHaveLength(size);
      for (const patient of page) {
        expect(patient.prescriptions.totalCount).toBe(PER_PATIENT);
        expect(patient.prescriptions.pageInfo.hasNextPage).toBe(true);
        expect(patient.prescriptions.edges.map(({ node }) => node.patient.id)).toEqual(
          Array.from({ length: PER_PATIENT - 1 }, () => patient.id),
        );
        expect(patient.medicalRecords.totalCount).toBe(PER_PATIENT);
        expect(patient.medicalRecords.pageInfo.hasNextPage).toBe(true);
        expect(patient.medicalRecords.edges).toHaveLength(PER_PATIENT - 1);
      }
    }
  });

  it('sends the same subgraph requests and runs the same SQL statements whatever the page size', () => {
    const [smallest, ...larger] = clinical;
    expect(smallest!.counts.sqlStatements.prescriptions).toBeGreaterThan(0);
    expect(Object.keys(smallest!.counts.subgraphRequests)).toEqual(
      expect.arrayContaining(['patients', 'prescriptions', 'doctors']),
    );
    for (const measurement of larger) {
      expect(measurement.counts).toEqual(smallest!.counts);
    }
  });
});

describe('the departments with their doctors', () => {
  it('returns every department with its first doctors at every size', () => {
    for (const { size, data } of departments) {
      expect(data.departments).toHaveLength(size);
      for (const department of data.departments) {
        expect(department.doctors.totalCount).toBe(DOCTORS_PER_DEPARTMENT);
        expect(department.doctors.pageInfo.hasNextPage).toBe(true);
        expect(department.doctors.edges.map(({ node }) => node.department.id)).toEqual(
          Array.from({ length: DOCTORS_PER_DEPARTMENT - 1 }, () => department.id),
        );
      }
    }
  });

  it('sends the same subgraph requests and runs the same SQL statements whatever the number of departments', () => {
    const [smallest, ...larger] = departments;
    expect(smallest!.counts.sqlStatements.doctors).toBeGreaterThan(0);
    for (const measurement of larger) {
      expect(measurement.counts).toEqual(smallest!.counts);
    }
  });
});
