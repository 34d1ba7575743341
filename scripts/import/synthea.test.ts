/**
 * `importSynthea` against an in-memory fake of the graph (no server): what it sends, what it counts, and how it
 * treats conflicts, refusals, failed departments, expired tokens, and the clinical batches. The real graph is
 * exercised end to end elsewhere.
 */
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphClient, GraphRequestError } from '../../platform/graphql/client.ts';
import type { ImportProgress } from './import-summary.ts';
import { importSynthea } from './synthea.ts';

const FIXTURE = join(import.meta.dirname, '../../test/fixtures/synthea-slice');
const CLOCK = () => new Date('2025-06-01T12:00:00Z');

type Variables = Record<string, any>;

/** Departments, doctors, patients and clinical records in memory, answering the importer's operations by name. */
class FakeGraph {
  departments: { id: string; name: string; code: string }[] = [];
  doctors: { input: Variables }[] = [];
  patients: { input: Variables }[] = [];
  medicines: { id: string; input: Variables }[] = [];
  /** Imported prescriptions and medical record entries by identifier (`system value`). */
  prescriptions = new Map<string, Variables>();
  entries = new Map<string, Variables>();
  /** Rows of every batch import call, in order. */
  batchSizes: number[] = [];
  calls = new Map<string, number>();
  /** The access token currently accepted. */
  validToken = 'token-1';
  /** Extra behaviour per operation; return undefined to fall through to the default. */
  hooks: Partial<Record<string, (variables: Variables) => unknown>> = {};
  inFlight = 0;
  maxInFlight = 0;

  client(token = this.validToken): GraphClient {
    const graph = this;
    return new (class extends GraphClient {
      override async data<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
        return (await graph.answer(query, variables, this.token)) as Data;
      }
    })('http://fake.test/graphql', token);
  }

  async answer(query: string, variables: Variables, token: string | undefined): Promise<unknown> {
    const operation = /(?:query|mutation) (\w+)/.exec(query)![1]!;
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    if (token !== this.validToken) throw this.error('UNAUTHENTICATED', 'The access token is not valid or has expired.');
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
    return new GraphRequestError({
      status: 200,
      data: null,
      errors: [{ message, extensions: { code, ...(field ? { field } : {}) } }],
    });
  }

  /** A batch import: 1–100 rows, each loaded unless its identifier was loaded before. */
  load(store: Map<string, Variables>, rows: Variables[]): unknown {
    if (rows.length < 1 || rows.length > 100) throw this.error('BAD_USER_INPUT', 'input: 1 to 100 rows at a time');
    this.batchSizes.push(rows.length);
    const items = rows.map((row) => {
      const key = `${row.identifier.system} ${row.identifier.value}`;
      const created = !store.has(key);
      if (created) store.set(key, row);
      return { identifier: row.identifier, id: `record-${key}`, created };
    });
    const created = items.filter((item) => item.created).length;
    return { created, existing: items.length - created, items };
  }

  default(operation: string, variables: Variables): unknown {
    const withIdentifier = (rows: { input: Variables }[]) =>
      rows
        .filter(({ input }) =>
          input.identifiers.some((i: Variables) => i.system === variables.system && variables.values.includes(i.value)),
        )
        .map(({ input }, index) => ({ id: `id-${index}`, identifiers: input.identifiers }));
    switch (operation) {
      case 'ImportDepartments':
        return { departments: this.departments };
      case 'ImportCreateDepartment': {
        const department = {
          id: `dept-${variables.input.code}`,
          name: variables.input.name,
          code: variables.input.code,
        };
        this.departments.push(department);
        return { createDepartment: department };
      }
      case 'ImportDoctorsByIdentifier':
        if (variables.values.length > 100) throw this.error('BAD_USER_INPUT', 'at most 100 values at once');
        return { doctorsByIdentifier: withIdentifier(this.doctors) };
      case 'ImportCreateDoctor':
        this.doctors.push({ input: variables.input });
        return { createDoctor: { id: 'doctor' } };
      case 'ImportPatientsByIdentifier':
        if (variables.values.length > 100) throw this.error('BAD_USER_INPUT', 'at most 100 values at once');
        return { patientsByIdentifier: withIdentifier(this.patients) };
      case 'ImportRegisterPatient':
        this.patients.push({ input: variables.input });
        return { registerPatient: { id: 'patient' } };
      case 'ImportMedicinesByCode':
        if (variables.codes.length > 100) throw this.error('BAD_USER_INPUT', 'at most 100 codes at once');
        return {
          medicinesByCode: this.medicines
            .filter(({ input }) => input.code.system === variables.system && variables.codes.includes(input.code.code))
            .map(({ id, input }) => ({ id, code: { system: input.code.system, code: input.code.code } })),
        };
      case 'ImportCreateMedicine': {
        if (this.medicines.some(({ input }) => input.code.code === variables.input.code.code))
          throw this.error('CONFLICT', 'A medicine has this code already.');
        const id = `medicine-${this.medicines.length + 1}`;
        this.medicines.push({ id, input: variables.input });
        return { createMedicine: { id } };
      }
      case 'ImportPrescriptions':
        return { importPrescriptions: this.load(this.prescriptions, variables.input.prescriptions) };
      case 'ImportMedicalRecordEntries':
        return { importMedicalRecordEntries: this.load(this.entries, variables.input.entries) };
      default:
        throw new Error(`unexpected operation ${operation}`);
    }
  }
}

describe('importSynthea', () => {
  it('imports the fixture once, then skips everything on a second run', async () => {
    const graph = new FakeGraph();
    const progress: ImportProgress[] = [];
    const first = await importSynthea({
      folder: FIXTURE,
      client: graph.client(),
      clock: CLOCK,
      onProgress: (p) => progress.push(p),
    });
    expect(first.departments).toMatchObject({ total: 9, created: 9, skipped: 0, failed: 0 });
    expect(first.doctors).toMatchObject({ total: 30, created: 30, skipped: 0, failed: 0 });
    expect(first.patients).toMatchObject({ total: 12, created: 12, skipped: 0, failed: 0 });
    expect(first.medicines).toMatchObject({ total: 40, created: 40, skipped: 0, failed: 0 });
    expect(first.prescriptions).toMatchObject({ total: 182, created: 182, skipped: 0, failed: 0 });
    expect(first.diagnoses).toMatchObject({ total: 169, created: 169, skipped: 0, failed: 0 });
    expect(first.encounterNotes).toMatchObject({ total: 228, created: 228, skipped: 0, failed: 0 });
    expect(progress).toHaveLength(9 + 30 + 12 + 40 + 182 + 169 + 228);
    expect(progress.find((p) => p.kind === 'patients' && p.done === 12)).toEqual({
      kind: 'patients',
      done: 12,
      total: 12,
      created: 12,
      skipped: 0,
      failed: 0,
    });
    expect(progress.at(-1)).toEqual({
      kind: 'encounterNotes',
      done: 228,
      total: 228,
      created: 228,
      skipped: 0,
      failed: 0,
    });
    // Every doctor went into a department the importer created, by id.
    const departmentIds = new Set(graph.departments.map((department) => department.id));
    expect(graph.doctors.every(({ input }) => departmentIds.has(input.departmentId))).toBe(true);

    const second = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
    expect(second.departments).toMatchObject({ created: 0, skipped: 9, failed: 0 });
    expect(second.doctors).toMatchObject({ created: 0, skipped: 30, failed: 0 });
    expect(second.patients).toMatchObject({ created: 0, skipped: 12, failed: 0 });
    expect(second.medicines).toMatchObject({ created: 0, skipped: 40, failed: 0 });
    expect(second.prescriptions).toMatchObject({ created: 0, skipped: 182, failed: 0 });
    expect(second.diagnoses).toMatchObject({ created: 0, skipped: 169, failed: 0 });
    expect(second.encounterNotes).toMatchObject({ created: 0, skipped: 228, failed: 0 });
    expect(graph.patients).toHaveLength(12);
    expect(graph.doctors).toHaveLength(30);
    expect(graph.medicines).toHaveLength(40);
    expect([graph.prescriptions.size, graph.entries.size]).toEqual([182, 169 + 228]);
  });

  it('looks up in batches and keeps at most `concurrency` creates in flight', async () => {
    const graph = new FakeGraph();
    await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK, batchSize: 5, concurrency: 3 });
    expect(graph.calls.get('ImportPatientsByIdentifier')).toBe(3); // 12 patients in batches of 5
    expect(graph.calls.get('ImportDoctorsByIdentifier')).toBe(6); // 30 doctors
    expect(graph.maxInFlight).toBe(3);
  });

  it('counts a CONFLICT as skipped only when the record is found, and a refusal as failed with its code', async () => {
    const graph = new FakeGraph();
    let registrations = 0;
    graph.hooks.ImportRegisterPatient = (variables) => {
      registrations++;
      // A concurrent import registered this one just before: found by its identifier, so skipped.
      if (registrations === 1) {
        graph.patients.push({ input: variables.input });
        throw graph.error('CONFLICT', 'The identifier is already registered.');
      }
      if (registrations === 2) throw graph.error('BAD_USER_INPUT', 'input.birthDate: must not be in the future');
      // Another unique field is taken: nothing carries the identifier, so it failed.
      if (registrations === 3) throw graph.error('CONFLICT', 'The MRN is taken.');
      return undefined;
    };
    const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK, concurrency: 1 });
    expect(summary.patients).toMatchObject({ total: 12, created: 9, skipped: 1, failed: 2 });
    const [refused, conflict] = summary.patients.failures;
    expect(refused).toEqual({
      row: 3,
      id: '2de0b259-6c63-700d-9ac4-edcabff0861a',
      code: 'BAD_USER_INPUT',
      reason: 'BAD_USER_INPUT: input.birthDate: must not be in the future',
    });
    expect(conflict).toEqual({
      row: 4,
      id: conflict!.id,
      code: 'CONFLICT',
      reason: `CONFLICT: The MRN is taken. (no patient has identifier ${conflict!.id}, so another of its unique fields is taken)`,
    });
  });

  it('fails a CONFLICT as such when looking the record up fails', async () => {
    const graph = new FakeGraph();
    let lookups = 0;
    graph.hooks.ImportRegisterPatient = () => {
      throw graph.error('CONFLICT', 'The identifier is already registered.');
    };
    graph.hooks.ImportPatientsByIdentifier = () => {
      // The first lookup (what exists) answers; the ones after each CONFLICT fail.
      if (++lookups > 1) throw graph.error('INTERNAL_SERVER_ERROR', 'The patients subgraph is unavailable.');
      return undefined;
    };
    const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
    expect(summary.patients).toMatchObject({ total: 12, created: 0, skipped: 0, failed: 12 });
    expect(summary.patients.failures[0]).toMatchObject({
      code: 'CONFLICT',
      reason:
        'CONFLICT: The identifier is already registered. (looking it up failed, so it is not known to exist: ' +
        'INTERNAL_SERVER_ERROR: The patients subgraph is unavailable.)',
    });
  });

  it('fails the doctors of a department that could not be created, with that reason', async () => {
    const graph = new FakeGraph();
    // Someone made "Emergency" with code EMER: "Emergency Medicine" cannot take the code.
    graph.departments.push({ id: 'dept-existing', name: 'Emergency', code: 'EMER' });
    graph.hooks.ImportCreateDepartment = (variables) => {
      if (variables.input.code === 'EMER') throw graph.error('CONFLICT', 'A department with this name or code exists.');
      return undefined;
    };
    const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
    expect(summary.departments).toMatchObject({ total: 9, created: 8, failed: 1 });
    expect(summary.departments.failures[0]).toMatchObject({ row: 0, id: 'EMER', code: 'CONFLICT' });
    expect(summary.doctors.failed).toBe(2);
    expect(summary.doctors.failures[0]).toMatchObject({
      code: 'NO_DEPARTMENT',
      reason:
        'department Emergency Medicine (EMER) could not be created: CONFLICT: A department with this name or code ' +
        'exists. (no department is named Emergency Medicine, so code EMER is taken by one with another name)',
    });
  });

  it('reuses a department that exists under the same name in another case', async () => {
    const graph = new FakeGraph();
    graph.departments.push({ id: 'dept-prim', name: 'primary care', code: 'PC' });
    const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
    expect(summary.departments).toMatchObject({ created: 8, skipped: 1 });
    expect(graph.doctors.filter(({ input }) => input.departmentId === 'dept-prim')).toHaveLength(11);
  });

  it('does not create a department that only doctors imported before would need', async () => {
    const graph = new FakeGraph();
    await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
    // An admin renamed Telehealth since; its one doctor exists, so nothing needs a new "Telehealth".
    graph.departments = graph.departments.map((department) =>
      department.code === 'TELE' ? { ...department, name: 'Virtual Care' } : department,
    );
    const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
    expect(summary.departments).toMatchObject({ total: 8, created: 0, skipped: 8 });
    expect(graph.calls.get('ImportCreateDepartment')).toBe(9);
  });

  it('signs in again once when the access token expires, and retries', async () => {
    const graph = new FakeGraph();
    let signIns = 0;
    const reauthenticate = async () => {
      signIns++;
      graph.validToken = `token-${signIns + 1}`;
      return graph.client();
    };
    let created = 0;
    graph.hooks.ImportCreateDoctor = () => {
      // The token expires after the tenth doctor.
      if (++created === 10) graph.validToken = 'rotated-away';
      return undefined;
    };
    const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK, reauthenticate });
    expect(signIns).toBe(1);
    expect(summary.doctors).toMatchObject({ created: 30, failed: 0 });
    expect(summary.patients).toMatchObject({ created: 12, failed: 0 });
  });

  it('fails the rows sent with an expired token when it cannot sign in again, and stops at the next lookup', async () => {
    const graph = new FakeGraph();
    graph.hooks.ImportRegisterPatient = () => {
      // The token expires right after the first patient.
      graph.validToken = 'rotated-away';
      return undefined;
    };
    const progress: ImportProgress[] = [];
    const run = importSynthea({
      folder: FIXTURE,
      client: graph.client(),
      clock: CLOCK,
      concurrency: 1,
      onProgress: (p) => progress.push(p),
    });
    // Without knowing which medicines exist, the import cannot go on.
    await expect(run).rejects.toThrow('UNAUTHENTICATED: The access token is not valid or has expired.');
    expect(progress.at(-1)).toMatchObject({ kind: 'patients', done: 12, created: 1, failed: 11 });
    expect(graph.calls.get('ImportRegisterPatient')).toBe(12);
    expect(graph.calls.has('ImportPrescriptions')).toBe(false);
  });

  describe('the clinical history', () => {
    it('sends batches of at most 100 rows, at most `concurrency` at a time, and looks medicines up by code', async () => {
      const graph = new FakeGraph();
      await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
      // 182 prescriptions, then 169 diagnoses and 228 encounter notes.
      expect(graph.batchSizes).toEqual([100, 82, 100, 69, 100, 100, 28]);
      expect(graph.calls.get('ImportMedicinesByCode')).toBe(1);

      const small = new FakeGraph();
      await importSynthea({
        folder: FIXTURE,
        client: small.client(),
        clock: CLOCK,
        concurrency: 2,
        batchSize: 15,
        importBatchSize: 50,
      });
      expect(small.batchSizes).toEqual([50, 50, 50, 32, 50, 50, 50, 19, 50, 50, 50, 50, 28]);
      expect(small.calls.get('ImportMedicinesByCode')).toBe(3); // 40 codes in lookups of 15
      expect(small.maxInFlight).toBe(2);
    });

    it('sends a batch again while the subgraph does not know its patient yet', async () => {
      const graph = new FakeGraph();
      let calls = 0;
      graph.hooks.ImportPrescriptions = () => {
        if (++calls <= 2)
          throw graph.error(
            'BAD_USER_INPUT',
            'input.prescriptions[0].patientId: no patient is known here (yet)',
            'input.prescriptions[0].patientId',
          );
        return undefined;
      };
      const summary = await importSynthea({
        folder: FIXTURE,
        client: graph.client(),
        clock: CLOCK,
        concurrency: 1,
        retryDelaysMs: [0, 0, 0],
      });
      expect(summary.prescriptions).toMatchObject({ created: 182, failed: 0 });
      expect(graph.calls.get('ImportPrescriptions')).toBe(4);
    });

    it('gives up after the last pause, failing the batch with the refusal', async () => {
      const graph = new FakeGraph();
      graph.hooks.ImportMedicalRecordEntries = (variables) => {
        if (variables.input.entries[0].kind === 'ENCOUNTER_NOTE') return undefined;
        throw graph.error(
          'BAD_USER_INPUT',
          'input.entries[3].patientId: no patient is known here (yet)',
          'input.entries[3].patientId',
        );
      };
      const summary = await importSynthea({
        folder: FIXTURE,
        client: graph.client(),
        clock: CLOCK,
        concurrency: 1,
        retryDelaysMs: [0, 0],
      });
      expect(summary.diagnoses).toMatchObject({ total: 169, created: 0, failed: 169 });
      expect(graph.calls.get('ImportMedicalRecordEntries')).toBe(2 * 3 + 3); // two batches, three tries each
      expect(summary.encounterNotes).toMatchObject({ created: 228, failed: 0 });
    });

    it("fails every row of a refused batch with the graph's code, and only that batch", async () => {
      const graph = new FakeGraph();
      let calls = 0;
      graph.hooks.ImportMedicalRecordEntries = () => {
        // The second batch of diagnoses (rows 102–170) breaks a rule: not retried.
        if (++calls === 2)
          throw graph.error(
            'BAD_USER_INPUT',
            'input.entries[7].data.note: must not be empty',
            'input.entries[7].data.note',
          );
        if (calls === 3) throw new Error('socket hang up');
        return undefined;
      };
      const summary = await importSynthea({
        folder: FIXTURE,
        client: graph.client(),
        clock: CLOCK,
        concurrency: 1,
        retryDelaysMs: [0],
      });
      expect(summary.diagnoses).toMatchObject({ total: 169, created: 100, failed: 69 });
      expect(summary.diagnoses.failures[0]).toMatchObject({
        row: 102,
        code: 'BAD_USER_INPUT',
        reason:
          'BAD_USER_INPUT: input.entries[7].data.note: must not be empty (the batch of 69, rows 102–170, was refused)',
      });
      // No GraphQL answer: the rows fail as REQUEST_FAILED.
      expect(summary.encounterNotes).toMatchObject({ total: 228, created: 128, failed: 100 });
      expect(summary.encounterNotes.failures[0]).toMatchObject({
        row: 2,
        code: 'REQUEST_FAILED',
        reason: 'request failed: socket hang up (the batch of 100, rows 2–101, was refused)',
      });

      // A rerun loads what is missing and skips the rest.
      const again = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
      expect(again.diagnoses).toMatchObject({ created: 69, skipped: 100, failed: 0 });
      expect(again.encounterNotes).toMatchObject({ created: 100, skipped: 128, failed: 0 });
    });

    it('counts a medicine CONFLICT as skipped only when it is then found; a missing one fails its prescriptions', async () => {
      const graph = new FakeGraph();
      let creates = 0;
      graph.hooks.ImportCreateMedicine = (variables) => {
        creates++;
        // A concurrent import created Amoxicillin just before: found by its code, so skipped.
        if (creates === 1) {
          graph.medicines.push({ id: 'medicine-elsewhere', input: variables.input });
          throw graph.error('CONFLICT', 'A medicine has this code already.');
        }
        // The graph says CONFLICT, yet no medicine has the code: failed.
        if (creates === 2) throw graph.error('CONFLICT', 'A medicine has this name already.');
        return undefined;
      };
      const summary = await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK, concurrency: 1 });
      expect(summary.medicines).toMatchObject({ total: 40, created: 38, skipped: 1, failed: 1 });
      expect(summary.medicines.failures).toEqual([
        {
          row: 3,
          id: '313820',
          code: 'CONFLICT',
          reason: 'CONFLICT: A medicine has this name already. (no medicine has RxNorm code 313820)',
        },
      ]);
      // The three prescriptions of RxNorm 313820 are not sent; Amoxicillin's name the medicine found.
      expect(summary.prescriptions).toMatchObject({ total: 182, created: 179, failed: 3 });
      expect(summary.prescriptions.failures.map((failure) => failure.code)).toEqual(Array(3).fill('NO_MEDICINE'));
      const amoxicillin = [...graph.prescriptions.values()].filter((row) => row.identifier.value.includes('/308192/'));
      expect(amoxicillin.length).toBeGreaterThan(0);
      expect(amoxicillin.every((row) => row.medicineId === 'medicine-elsewhere')).toBe(true);
    });

    it('sends what the mapping made of each row, with the ids of the graph', async () => {
      const graph = new FakeGraph();
      await importSynthea({ folder: FIXTURE, client: graph.client(), clock: CLOCK });
      const first = graph.prescriptions.get(
        'https://github.com/synthetichealth/synthea/medication 2de0b259-6c63-700d-9ac4-edcabff0861a/8d23e193-42fe-7eaf-e727-c2081912e321/308192/2019-07-08T23:38:03Z',
      );
      expect(first).toEqual({
        identifier: {
          system: 'https://github.com/synthetichealth/synthea/medication',
          value:
            '2de0b259-6c63-700d-9ac4-edcabff0861a/8d23e193-42fe-7eaf-e727-c2081912e321/308192/2019-07-08T23:38:03Z',
        },
        durationDays: 14,
        issuedAt: '2019-07-08T23:38:03Z',
        patientId: 'patient',
        doctorId: 'doctor',
        medicineId: 'medicine-1',
      });
      expect(graph.medicines[0]).toEqual({
        id: 'medicine-1',
        input: {
          name: 'Amoxicillin 500 MG Oral Tablet',
          strength: '500 MG',
          form: 'Oral Tablet',
          code: { system: 'RXNORM', code: '308192' },
        },
      });
    });
  });

  describe('with broken rows', () => {
    let folder: string;

    beforeAll(async () => {
      folder = await mkdtemp(join(tmpdir(), 'synthea-broken-'));
      await cp(FIXTURE, folder, { recursive: true });
      const lines = (await readFile(join(folder, 'patients.csv'), 'utf8')).split('\n');
      // Row 2: a birth date in the future; row 3: no FIRST (column 8).
      lines[1] = lines[1]!.replace(',2022-07-20,', ',2031-01-01,');
      lines[2] = lines[2]!
        .split(',')
        .map((field, index) => (index === 7 ? '' : field))
        .join(',');
      await writeFile(join(folder, 'patients.csv'), lines.join('\n'));
    });

    afterAll(() => rm(folder, { recursive: true, force: true }));

    it('reports them with row and reason and never sends them', async () => {
      const graph = new FakeGraph();
      const summary = await importSynthea({ folder, client: graph.client(), clock: CLOCK });
      expect(summary.patients).toMatchObject({ total: 12, created: 10, failed: 2 });
      expect(summary.patients.failures).toEqual([
        {
          row: 2,
          id: '982192b6-6843-4011-ef46-32caaf87d8a9',
          code: 'INVALID_ROW',
          reason: 'BIRTHDATE: must not be in the future (2031-01-01)',
        },
        { row: 3, id: '2de0b259-6c63-700d-9ac4-edcabff0861a', code: 'INVALID_ROW', reason: 'FIRST: must not be empty' },
      ]);
      expect(graph.calls.get('ImportRegisterPatient')).toBe(10);
      // Their clinical rows are not sent either: 982192b6… has 5 conditions and 7 encounters, 2de0b259… 6
      // medications, 12 conditions and 21 encounters.
      expect(summary.prescriptions).toMatchObject({ total: 182, created: 176, failed: 6 });
      expect(summary.diagnoses).toMatchObject({ total: 169, created: 152, failed: 17 });
      expect(summary.encounterNotes).toMatchObject({ total: 228, created: 200, failed: 28 });
      for (const kind of [summary.prescriptions, summary.diagnoses, summary.encounterNotes])
        expect(new Set(kind.failures.map((failure) => failure.code))).toEqual(new Set(['NO_PATIENT']));
      expect(summary.diagnoses.failures[0]).toEqual({
        row: 2,
        id: '982192b6-6843-4011-ef46-32caaf87d8a9/3c1c5636-2c43-bd4b-6eab-9eabf5929c55/314529007/2022-07-20',
        code: 'NO_PATIENT',
        reason: 'patient 982192b6-6843-4011-ef46-32caaf87d8a9 is not in the graph (not registered)',
      });
      expect(graph.prescriptions.size + graph.entries.size).toBe(176 + 152 + 200);
    });
  });
});
