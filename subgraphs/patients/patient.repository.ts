/** Queries of the patients subgraph, named by intent. */
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { escapeLike } from '../../platform/db/sql.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { CareRelationship, Patient, PatientIdentifier } from './patient.entity.ts';

/** A search as `patients(search, includeArchived)` asks for it. */
export interface PatientSearch {
  search?: string | null;
  includeArchived: boolean;
  /** Only the patients of this doctor (a doctor searching sees no one else). */
  doctorId?: string;
}

export class PatientRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<Patient | null> {
    return this.#em.findOne(Patient, { id });
  }

  findByIds(ids: readonly string[]): Promise<Patient[]> {
    return this.#em.find(Patient, { id: { $in: [...ids] } });
  }

  /** Identifiers of many patients at once (for the `identifiers` field's DataLoader). */
  identifiersOf(patientIds: readonly string[]): Promise<PatientIdentifier[]> {
    return this.#em.find(PatientIdentifier, { patient: { $in: [...patientIds] } }, { orderBy: { system: 'asc' } });
  }

  /** Patients holding any of `values` under `system`. */
  async findByIdentifiers(system: string, values: readonly string[]): Promise<Patient[]> {
    const identifiers = await this.#em.find(
      PatientIdentifier,
      { system, value: { $in: [...values] } },
      { populate: ['patient'] },
    );
    return identifiers.map((identifier) => identifier.patient as unknown as Patient);
  }

  /** One page of a search, in registration order (ids are time-ordered), reading `limit + 1` rows. */
  searchPage(search: PatientSearch, page: PageRequest): Promise<Patient[]> {
    const where = this.#searchCondition(search);
    const after = page.after ? { id: { $gt: String(page.after[0]) } } : {};
    return this.#em.find(Patient, { $and: [where, after] }, { orderBy: { id: 'asc' }, limit: page.limit + 1 });
  }

  /**
   * How many patients match `search`. Without a search text or a doctor, from the tally the triggers keep (a sum of
   * at most 32 rows, whatever the number of patients); otherwise by counting the matches.
   */
  async countSearch(search: PatientSearch): Promise<number> {
    if (search.search || search.doctorId) return this.#em.count(Patient, this.#searchCondition(search));
    const [row] = await this.#em.execute<{ total: string | null }[]>(
      `select sum("count") as total from "patients"."patient_tally"${search.includeArchived ? '' : ' where not "archived"'}`,
    );
    return Number(row?.total ?? 0);
  }

  /** Which of `patientIds` are patients of `doctorId` (SPEC §2: a doctor reads only their patients). */
  async careRelationships(doctorId: string, patientIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.#em.find(CareRelationship, { doctorId, patientId: { $in: [...patientIds] } });
    return new Set(rows.map((row) => row.patientId));
  }

  /** Records that `doctorId` has an appointment with `patientId` (once). */
  async addCareRelationship(doctorId: string, patientId: string, since: Date): Promise<void> {
    await this.#em
      .createQueryBuilder(CareRelationship)
      .insert({ doctorId, patientId, since })
      .onConflict(['doctorId', 'patientId'])
      .ignore()
      .execute('run');
  }

  /** The next value of the MRN sequence. */
  async nextMrnNumber(): Promise<number> {
    const [row] = await this.#em.execute<{ value: string }[]>(
      `select nextval('"patients"."patient_mrn_seq"') as value`,
    );
    return Number(row!.value);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  #searchCondition(search: PatientSearch): any {
    const conditions: object[] = [];
    if (!search.includeArchived) conditions.push({ archivedAt: null });
    if (search.doctorId) {
      conditions.push({
        id: {
          $in: raw(`select "patient_id" from "patients"."care_relationship" where "doctor_id" = ?`, [search.doctorId]),
        },
      });
    }
    const term = search.search?.trim();
    if (term) {
      const digits = term.replace(/[^\d+]/g, '');
      const alternatives: object[] = [
        { mrn: term },
        { email: term.toLowerCase() },
        { [raw(`lower("given_name" || ' ' || "family_name")`)]: { $like: `%${escapeLike(term.toLowerCase())}%` } },
      ];
      if (/^\+?\d{7,15}$/.test(digits)) alternatives.push({ phone: digits.startsWith('+') ? digits : `+${digits}` });
      conditions.push({ $or: alternatives });
    }
    return conditions.length > 0 ? { $and: conditions } : {};
  }
}
