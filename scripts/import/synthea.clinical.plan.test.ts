import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { PlannedRow } from './rows.ts';
import type { ClinicalDraft, GraphIds } from './synthea.clinical.mapping.ts';
import { batchRows, planSyntheaClinical } from './synthea.clinical.plan.ts';

const FIXTURE = join(import.meta.dirname, '../../test/fixtures/synthea-slice');
const NOW = new Date('2025-06-01T12:00:00Z');

describe('planSyntheaClinical', () => {
  it('plans every clinical row of the fixture', async () => {
    const plan = await planSyntheaClinical(FIXTURE, NOW);
    expect(plan.medicines).toHaveLength(40);
    expect(plan.prescriptions).toHaveLength(182);
    expect(plan.diagnoses).toHaveLength(169);
    expect(plan.encounterNotes).toHaveLength(228);
    for (const kind of [plan.medicines, plan.prescriptions, plan.diagnoses, plan.encounterNotes])
      expect(kind.filter((planned) => !planned.mapped.ok)).toEqual([]);
    // A medicine comes from the first row naming its code.
    expect(plan.medicines[0]).toEqual({
      row: 2,
      id: '308192',
      mapped: {
        ok: true,
        value: {
          name: 'Amoxicillin 500 MG Oral Tablet',
          strength: '500 MG',
          form: 'Oral Tablet',
          code: { system: 'RXNORM', code: '308192' },
        },
      },
    });
    // An encounter note is identified by the encounter's Id; the others by their key, none repeated in the slice.
    expect(plan.encounterNotes[0]).toMatchObject({ row: 2, id: '3c1c5636-2c43-bd4b-6eab-9eabf5929c55' });
    expect(plan.prescriptions[0]!.id).toBe(
      '2de0b259-6c63-700d-9ac4-edcabff0861a/8d23e193-42fe-7eaf-e727-c2081912e321/308192/2019-07-08T23:38:03Z',
    );
    expect(plan.prescriptions.some((planned) => planned.id.includes('#'))).toBe(false);
  });

  it('gives repeated keys #n in file order, whatever the rows around them', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'synthea-clinical-'));
    try {
      await cp(FIXTURE, folder, { recursive: true });
      const lines = (await readFile(join(folder, 'medications.csv'), 'utf8')).trimEnd().split('\n');
      // The first row three times, the middle one broken (a START that is no instant).
      const broken = lines[1]!.replace(/^[^,]*/, 'yesterday');
      await writeFile(join(folder, 'medications.csv'), [...lines, lines[1], broken, lines[1]].join('\n') + '\n');
      const plan = await planSyntheaClinical(folder, NOW);
      const key = plan.prescriptions[0]!.id;
      expect(plan.prescriptions.slice(-3).map((planned) => [planned.row, planned.id, planned.mapped.ok])).toEqual([
        [184, `${key}#2`, true],
        [185, expect.stringMatching(/^[^/]+\/[^/]+\/308192\/yesterday$/), false],
        [186, `${key}#3`, true],
      ]);
      const third = plan.prescriptions.at(-1)!.mapped;
      expect(third.ok && third.value.input.identifier.value).toBe(`${key}#3`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('fails a repeated encounter Id', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'synthea-clinical-'));
    try {
      await cp(FIXTURE, folder, { recursive: true });
      const text = await readFile(join(folder, 'encounters.csv'), 'utf8');
      await writeFile(join(folder, 'encounters.csv'), text + text.split('\n')[1] + '\n');
      const plan = await planSyntheaClinical(folder, NOW);
      expect(plan.encounterNotes.at(-1)).toMatchObject({
        row: 230,
        mapped: { ok: false, reason: 'Id: same as row 2' },
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('needs medications.csv and conditions.csv', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'synthea-clinical-'));
    try {
      await cp(FIXTURE, folder, { recursive: true });
      await rm(join(folder, 'conditions.csv'));
      await expect(planSyntheaClinical(folder, NOW)).rejects.toThrow('conditions.csv: file not found');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('batchRows', () => {
  type Input = { identifier: { system: string; value: string }; patientId: string; doctorId: string };
  const row = (n: number, patient = 'p1', provider = 'd1'): PlannedRow<ClinicalDraft<Input>> => ({
    row: n + 1,
    id: `k${n}`,
    mapped: { ok: true, value: { patient, provider, input: { identifier: { system: 's', value: `k${n}` } } } },
  });
  const ids: GraphIds = {
    patients: new Map([['p1', { id: 'P1' }]]),
    doctors: new Map([['d1', { id: 'D1' }]]),
  };

  it('sends at most 100 rows a batch, in file order', () => {
    const planned = Array.from({ length: 250 }, (_, n) => row(n));
    const { held, batches } = batchRows(planned, ids);
    expect(held).toEqual([]);
    expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((ready) => ready.id)).toEqual(planned.map((planned) => planned.id));
    expect(batches[0]![0]).toEqual({
      row: 1,
      id: 'k0',
      input: { identifier: { system: 's', value: 'k0' }, patientId: 'P1', doctorId: 'D1' },
    });
    // A smaller size on request, never a larger one.
    expect(batchRows(planned, ids, 30).batches).toHaveLength(9);
    expect(batchRows(planned, ids, 500).batches).toHaveLength(3);
  });

  it('holds back invalid rows and rows whose patient or doctor is not in the graph', () => {
    const planned = [
      row(0),
      { row: 2, id: 'k1', mapped: { ok: false as const, reason: 'START: must not be empty' } },
      row(2, 'p2'),
      row(3, 'p1', 'd2'),
      row(4),
    ];
    const { held, batches } = batchRows(planned, ids);
    expect(held).toEqual([
      { row: 2, id: 'k1', code: 'INVALID_ROW', reason: 'START: must not be empty' },
      { row: 3, id: 'k2', code: 'NO_PATIENT', reason: 'patient p2 is not in the graph (not registered)' },
      {
        row: 4,
        id: 'k3',
        code: 'NO_DOCTOR',
        reason: "doctor d2 (the encounter's PROVIDER) is not in the graph (not created)",
      },
    ]);
    expect(batches.map((batch) => batch.map((ready) => ready.id))).toEqual([['k0', 'k4']]);
  });
});
