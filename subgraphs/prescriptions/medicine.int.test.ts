/**
 * The medicine catalogue on a real database (PostgreSQL when configured): admins add and change medicines (a code
 * unique per system, held by the database), every signed-in user searches it in name order, and importers look
 * medicines up by code.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import type { CreateMedicineInput } from './prescription.inputs.ts';
import {
  codeOf,
  doctorUser,
  openPrescriptionsTestBed,
  outboxOf,
  patientUser,
  staffUser,
  type PrescriptionsTestBed,
} from './prescriptions.fixtures.ts';

let bed: PrescriptionsTestBed;

beforeAll(async () => {
  bed = await openPrescriptionsTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const admin = () => bed.as(staffUser('ADMIN'));
const aMedicine = (name: string, code: string | null = null): CreateMedicineInput => ({
  name,
  strength: null,
  form: null,
  code: code ? { system: 'RXNORM', code, display: null } : null,
});

describe('maintaining the catalogue', () => {
  it('adds a medicine and announces it', async () => {
    const medicine = await admin().medicines.create({
      name: 'Amoxicillin 250 MG Oral Capsule',
      strength: '250 MG',
      form: 'Oral Capsule',
      code: { system: 'RXNORM', code: '308182', display: 'Amoxicillin 250 MG Oral Capsule' },
    });
    expect(medicine).toMatchObject({ active: true, codeSystem: 'RXNORM', code: '308182' });
    expect((await outboxOf(bed.orm, medicine.id)).map((event) => [event.type, event.payload])).toEqual([
      [
        'MedicineCreated',
        {
          medicineId: medicine.id,
          name: 'Amoxicillin 250 MG Oral Capsule',
          strength: '250 MG',
          form: 'Oral Capsule',
          code: { system: 'RXNORM', code: '308182', display: 'Amoxicillin 250 MG Oral Capsule' },
          active: true,
        },
      ],
    ]);
  });

  it('refuses a code its system has given another medicine (CONFLICT), however the two race', async () => {
    const code = `c-${newId()}`;
    const outcomes = await Promise.all([
      codeOf(admin().medicines.create(aMedicine('First', code))),
      codeOf(admin().medicines.create(aMedicine('Second', code))),
    ]);
    expect(outcomes.sort()).toEqual(['CONFLICT', 'OK']);
    // The same code in another system is another medicine.
    await expect(
      admin().medicines.create({ ...aMedicine('Third'), code: { system: 'SNOMED_CT', code, display: null } }),
    ).resolves.toBeDefined();
  });

  it('changes only the given fields, clears with null, withdraws, and announces each change', async () => {
    const medicine = await admin().medicines.create({
      name: 'Metformin 500 MG',
      strength: '500 MG',
      form: 'Oral Tablet',
      code: { system: 'RXNORM', code: `m-${newId()}`, display: null },
    });
    const changed = await admin().medicines.update(medicine.id, { strength: null, active: false });
    expect(changed).toMatchObject({ name: 'Metformin 500 MG', strength: null, form: 'Oral Tablet', active: false });
    const uncoded = await admin().medicines.update(medicine.id, { code: null, active: true });
    expect(uncoded).toMatchObject({ codeSystem: null, code: null, active: true });
    expect((await outboxOf(bed.orm, medicine.id)).map((event) => [event.type, event.payload.active])).toEqual([
      ['MedicineCreated', true],
      ['MedicineUpdated', false],
      ['MedicineUpdated', true],
    ]);
  });

  it('refuses an unknown medicine (NOT_FOUND) and callers who are not admins (FORBIDDEN)', async () => {
    expect(await codeOf(admin().medicines.update(newId(), { name: 'X' }))).toBe('NOT_FOUND');
    for (const caller of [doctorUser(), staffUser('RECEPTION'), staffUser('BILLING'), patientUser(newId())]) {
      expect(await codeOf(bed.as(caller).medicines.create(aMedicine('Nope')))).toBe('FORBIDDEN');
    }
  });
});

describe('searching the catalogue', () => {
  const tag = newId().slice(0, 8);
  let ids: Record<string, string>;

  beforeAll(async () => {
    ids = {};
    for (const [key, name, code] of [
      ['aspirin', `Aspirin 81 MG ${tag}`, `a-${tag}`],
      ['ibuprofen', `Ibuprofen 400 MG ${tag}`, `i-${tag}`],
      ['paracetamol', `Paracetamol 500 MG ${tag}`, `p-${tag}`],
      ['percent', `Zinc 100% ${tag}`, null],
      ['withdrawn', `Codeine 30 MG ${tag}`, null],
    ] as const) {
      ids[key] = (await admin().medicines.create(aMedicine(name, code))).id;
    }
    await admin().medicines.update(ids.withdrawn!, { active: false });
  });

  const search = async (text: string, includeInactive = false) => {
    const page = await bed.as(patientUser(newId())).medicines.list({ search: text, includeInactive }, { first: 50 });
    return page.edges.map((edge) => edge.node.id);
  };

  it('matches any part of the name in any case, or a code exactly, in name order, without withdrawn ones', async () => {
    expect(await search(tag)).toEqual([ids.aspirin, ids.ibuprofen, ids.paracetamol, ids.percent]);
    expect(await search(`PROFEN 400 mg ${tag}`.toLowerCase())).toEqual([ids.ibuprofen]);
    expect(await search(`p-${tag}`)).toEqual([ids.paracetamol]);
    expect(await search(`${tag}`.toUpperCase())).toEqual([ids.aspirin, ids.ibuprofen, ids.paracetamol, ids.percent]);
    expect(await search(tag, true)).toEqual([ids.aspirin, ids.withdrawn, ids.ibuprofen, ids.paracetamol, ids.percent]);
  });

  it('takes % and _ in a search literally', async () => {
    expect(await search(`100% ${tag}`)).toEqual([ids.percent]);
    expect(await search(`%${tag}`)).toEqual([]);
    expect(await search(`Aspirin_81`)).toEqual([]);
  });

  it('pages through the catalogue with cursors and a total', async () => {
    const reader = bed.as(doctorUser());
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await reader.medicines.list({ search: tag, includeInactive: false }, { first: 3, after });
      expect(await page.totalCount()).toBe(4);
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([ids.aspirin, ids.ibuprofen, ids.paracetamol, ids.percent]);
  });

  it('finds medicines by code for importers, withdrawn ones too, at most 100 codes at a time', async () => {
    const query = `query($codes: [String!]!) { medicinesByCode(system: RXNORM, codes: $codes) { id code { code } } }`;
    const found = await bed.execute(staffUser('ADMIN'), query, { codes: [`p-${tag}`, 'unknown', `a-${tag}`] });
    expect(found).toEqual({
      data: {
        medicinesByCode: [
          { id: ids.paracetamol, code: { code: `p-${tag}` } },
          { id: ids.aspirin, code: { code: `a-${tag}` } },
        ],
      },
      errors: [],
    });
    const tooMany = await bed.execute(staffUser('ADMIN'), query, {
      codes: Array.from({ length: 101 }, (_, index) => String(index)),
    });
    expect(tooMany.errors.map((error) => [error.code, error.field])).toEqual([['BAD_USER_INPUT', 'codes']]);
    expect((await bed.execute(doctorUser(), query, { codes: [] })).errors.map((error) => error.code)).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('lets every signed-in user read a medicine, and nobody signed out', async () => {
    const query = 'query($id: ID!) { medicine(id: $id) { name active code { system code } } }';
    const read = await bed.execute(patientUser(newId()), query, { id: ids.aspirin });
    expect(read).toEqual({
      data: { medicine: { name: `Aspirin 81 MG ${tag}`, active: true, code: { system: 'RXNORM', code: `a-${tag}` } } },
      errors: [],
    });
    expect((await bed.execute(null, query, { id: ids.aspirin })).errors.map((error) => error.code)).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});
