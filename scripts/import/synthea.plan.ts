/**
 * Reads a Synthea CSV export folder and decides, without touching the graph, what each row becomes: a doctor
 * with its department and fee, a patient, or a failure with its reason.
 */
import { join } from 'node:path';
import { readCsvRecords } from './csv.ts';
import { refuseDuplicateIds, type PlannedRow } from './rows.ts';
import {
  tallyEncounter,
  toDoctorPlan,
  toRegisterPatientInput,
  type DoctorPlan,
  type ProviderEncounters,
  type RegisterPatientInput,
} from './synthea.mapping.ts';

/** What each row becomes; a row's `id` is its Synthea `Id`. */
export interface SyntheaPlan {
  /** providers.csv, in file order. */
  doctors: PlannedRow<DoctorPlan>[];
  /** patients.csv, in file order. */
  patients: PlannedRow<RegisterPatientInput>[];
}

/** The files the importer reads and the columns it needs from each (Synthea 3.x layout). */
const SYNTHEA_FILES = {
  organizations: { file: 'organizations.csv', columns: ['Id', 'PHONE'] },
  providers: { file: 'providers.csv', columns: ['Id', 'ORGANIZATION', 'NAME', 'SPECIALITY'] },
  encounters: { file: 'encounters.csv', columns: ['PROVIDER', 'ENCOUNTERCLASS', 'BASE_ENCOUNTER_COST'] },
  patients: {
    file: 'patients.csv',
    columns: ['Id', 'BIRTHDATE', 'DEATHDATE', 'FIRST', 'LAST', 'GENDER', 'ADDRESS', 'CITY', 'STATE', 'ZIP'],
  },
} as const;

type SyntheaFile = (typeof SYNTHEA_FILES)[keyof typeof SYNTHEA_FILES];

function records(folder: string, spec: SyntheaFile) {
  return readCsvRecords({ path: join(folder, spec.file) }, spec.file, spec.columns);
}

/**
 * Reads organizations.csv (PHONE), encounters.csv (per provider: ENCOUNTERCLASS counts and BASE_ENCOUNTER_COST,
 * for departments and fees), providers.csv and patients.csv from `folder`.
 *
 * @param today YYYY-MM-DD, the latest acceptable birth or death date.
 * @throws CsvFileError when a file is missing, lacks a needed column or is not valid CSV.
 */
export async function planSyntheaImport(folder: string, today: string): Promise<SyntheaPlan> {
  const organizationPhones = new Map<string, string>();
  for await (const { fields } of records(folder, SYNTHEA_FILES.organizations)) {
    organizationPhones.set(fields.Id!.trim(), fields.PHONE!);
  }

  const encountersByProvider = new Map<string, ProviderEncounters>();
  for await (const { fields } of records(folder, SYNTHEA_FILES.encounters))
    tallyEncounter(encountersByProvider, fields);

  const doctors: PlannedRow<DoctorPlan>[] = [];
  for await (const { row, fields } of records(folder, SYNTHEA_FILES.providers)) {
    const id = fields.Id!.trim();
    const phone = organizationPhones.get(fields.ORGANIZATION!.trim());
    doctors.push({ row, id, mapped: toDoctorPlan(fields, encountersByProvider.get(id), phone) });
  }

  const patients: PlannedRow<RegisterPatientInput>[] = [];
  for await (const { row, fields } of records(folder, SYNTHEA_FILES.patients)) {
    patients.push({ row, id: fields.Id!.trim(), mapped: toRegisterPatientInput(fields, today) });
  }

  return { doctors: refuseDuplicateIds(doctors), patients: refuseDuplicateIds(patients) };
}
