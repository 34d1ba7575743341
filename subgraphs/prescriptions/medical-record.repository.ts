/** Queries of medical record entries, named by intent. Entries are only ever inserted, never updated. */
import { raw } from '@mikro-orm/core';
import type { QueryBuilder } from '@mikro-orm/sql';
import type { EntityManager } from '../../platform/db/orm.ts';
import { pagesPerParent } from '../../platform/graphql/loaders.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { MedicalRecordEntry } from './medical-record.entity.ts';
import type { MedicalRecordKind } from './medical-record.rules.ts';
import { identifierKey, type CodeSystem } from './prescription.rules.ts';
import { sortedByIdentifier } from './prescription.repository.ts';

/** Which entries of each patient's record a list shows; effective times are instants, [from, to). */
export interface RecordFilter {
  kinds: readonly MedicalRecordKind[] | null;
  effectiveFrom: Date | null;
  effectiveTo: Date | null;
  /** False: only current entries (those no later entry supersedes). */
  includeSuperseded: boolean;
}

/** An imported entry as its row is written (see `insertImported`). */
export interface ImportedEntryRow {
  id: string;
  patientId: string;
  authorId: string;
  kind: MedicalRecordKind;
  codeSystem: CodeSystem | null;
  code: string | null;
  codeDisplay: string | null;
  data: Record<string, unknown>;
  effectiveAt: Date;
  recordedAt: Date;
  identifierSystem: string;
  identifierValue: string;
}

/** Entries whose id another entry's `supersedes_id` names: the superseded ones. */
const HAS_SUCCESSOR =
  'exists (select 1 from "prescriptions"."medical_record_entry" as "successor" where "successor"."supersedes_id" = "e"."id")';

/** Stands for "the patient of each lateral subquery" (`pagesPerParent`) where a query names its patients. */
const EACH_PARENT = Symbol('each parent');

/** Newest effective first by (effective at, id), after the cursor, `limit + 1` rows (to tell a next page). */
function inPageOrder(qb: QueryBuilder<MedicalRecordEntry, 'e'>, page: PageRequest): void {
  if (page.after) qb.andWhere('(e.effective_at, e.id) < (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
  qb.orderBy({ effectiveAt: 'desc', id: 'desc' }).limit(page.limit + 1);
}

/** Medical record entries, on one entity manager. */
export class MedicalRecordRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<MedicalRecordEntry | null> {
    return this.#em.findOne(MedicalRecordEntry, { id });
  }

  findByIds(ids: readonly string[]): Promise<MedicalRecordEntry[]> {
    return this.#em.find(MedicalRecordEntry, { id: { $in: [...ids] } });
  }

  /** The entries that correct any of `ids` (at most one each, by `medical_record_entry_supersedes_key`). */
  successorsOf(ids: readonly string[]): Promise<MedicalRecordEntry[]> {
    return this.#em.find(MedicalRecordEntry, { supersedesId: { $in: [...ids] } });
  }

  /** Whether a later entry corrects `id` already. */
  async isSuperseded(id: string): Promise<boolean> {
    return (await this.#em.count(MedicalRecordEntry, { supersedesId: id })) > 0;
  }

  /**
   * The page of each of many patients' records, newest effective first by (effective at, id), reading `limit + 1`
   * rows each, in one statement: a lateral subquery per patient on `medical_record_entry_patient_effective_idx`, read
   * backwards.
   */
  pagesOfPatients(
    patientIds: readonly string[],
    filter: RecordFilter,
    page: PageRequest,
  ): Promise<MedicalRecordEntry[]> {
    const qb = this.#query(EACH_PARENT, filter);
    inPageOrder(qb, page);
    return pagesPerParent(this.#em, MedicalRecordEntry, patientIds, qb.select('*'));
  }

  /** How many entries matching `filter` each of many patients has, in one grouped statement. */
  async countPerPatient(patientIds: readonly string[], filter: RecordFilter): Promise<Map<string, number>> {
    const rows = await this.#query(patientIds, filter)
      .select([raw('e.patient_id as parent_id'), raw('count(*) as total')])
      .groupBy('e.patientId')
      .execute<{ parent_id: string; total: string | number }[]>('all', false);
    return new Map(rows.map((row) => [row.parent_id, Number(row.total)]));
  }

  /** Entries (aliased `e`) of these patients, or of each `parent` of `pagesPerParent`, matching `filter`. */
  #query(patients: readonly string[] | typeof EACH_PARENT, filter: RecordFilter) {
    const qb = this.#em.createQueryBuilder(MedicalRecordEntry, 'e');
    if (patients === EACH_PARENT) qb.where('e.patient_id = parent.id');
    else qb.where({ patientId: { $in: [...patients] } });
    if (filter.kinds?.length) qb.andWhere({ kind: { $in: [...filter.kinds] } });
    if (filter.effectiveFrom) qb.andWhere({ effectiveAt: { $gte: filter.effectiveFrom } });
    if (filter.effectiveTo) qb.andWhere({ effectiveAt: { $lt: filter.effectiveTo } });
    if (!filter.includeSuperseded) qb.andWhere(`not ${HAS_SUCCESSOR}`);
    return qb;
  }

  /**
   * Writes imported entries, skipping any whose identifier is stored already (`on conflict do nothing` on
   * `medical_record_entry_identifier_key`), in identifier order (see `PrescriptionRepository.insertImported`).
   */
  async insertImported(rows: readonly ImportedEntryRow[]): Promise<void> {
    const now = new Date();
    await this.#em
      .createQueryBuilder(MedicalRecordEntry)
      .insert(
        sortedByIdentifier(rows).map((row) => ({
          ...row,
          appointmentId: null,
          supersedesId: null,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflict(['identifierSystem', 'identifierValue'])
      .ignore()
      .execute('run');
  }

  /** The ids of the entries carrying these identifiers, by `identifierKey`. */
  async idsByIdentifier(identifiers: readonly { system: string; value: string }[]): Promise<Map<string, string>> {
    const rows = await this.#em.find(
      MedicalRecordEntry,
      { $or: identifiers.map(({ system, value }) => ({ identifierSystem: system, identifierValue: value })) },
      { fields: ['id', 'identifierSystem', 'identifierValue'] },
    );
    return new Map(
      rows.map((row) => [identifierKey({ system: row.identifierSystem!, value: row.identifierValue! }), row.id]),
    );
  }
}
