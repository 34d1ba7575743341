/** Queries of prescriptions and of this subgraph's read models (appointments, patients, care relationships). */
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { applyReplica } from '../../platform/db/replica.ts';
import { pagesPerParent } from '../../platform/graphql/loaders.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { AppointmentReplica, CareRelationship, PatientReplica, Prescription } from './prescription.entity.ts';
import { identifierKey } from './prescription.rules.ts';

/** An imported prescription as its row is written (see `insertImported`). */
export interface ImportedPrescriptionRow {
  id: string;
  patientId: string;
  doctorId: string;
  medicine: string | null;
  medicationText: string;
  doseValue: number | null;
  doseUnit: string | null;
  timesPerDay: number | null;
  durationDays: number | null;
  instructions: string | null;
  reasonSystem: Prescription['reasonSystem'];
  reasonCode: string | null;
  reasonDisplay: string | null;
  issuedAt: Date;
  identifierSystem: string;
  identifierValue: string;
}

/** Prescriptions and the read models, on one entity manager. */
export class PrescriptionRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findByIds(ids: readonly string[]): Promise<Prescription[]> {
    return this.#em.find(Prescription, { id: { $in: [...ids] } });
  }

  /** The prescriptions of these appointments, oldest first (for the `Appointment.prescriptions` DataLoader). */
  ofAppointments(appointmentIds: readonly string[]): Promise<Prescription[]> {
    return this.#em.find(
      Prescription,
      { appointmentId: { $in: [...appointmentIds] } },
      { orderBy: { issuedAt: 'asc', id: 'asc' } },
    );
  }

  /**
   * The page of each of many patients' prescriptions, newest first by (issued at, id), reading `limit + 1` rows
   * each, in one statement: a lateral subquery per patient on `prescription_patient_issued_idx`, read backwards.
   */
  pagesOfPatients(patientIds: readonly string[], page: PageRequest): Promise<Prescription[]> {
    const qb = this.#em.createQueryBuilder(Prescription, 'p').select('*').where('p.patient_id = parent.id');
    if (page.after) qb.andWhere('(p.issued_at, p.id) < (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
    qb.orderBy({ issuedAt: 'desc', id: 'desc' }).limit(page.limit + 1);
    return pagesPerParent(this.#em, Prescription, patientIds, qb);
  }

  /** How many prescriptions each of many patients has, in one grouped statement (patients without any are absent). */
  async countPerPatient(patientIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.#em
      .createQueryBuilder(Prescription, 'p')
      .select([raw('p.patient_id as parent_id'), raw('count(*) as total')])
      .where({ patientId: { $in: [...patientIds] } })
      .groupBy('p.patientId')
      .execute<{ parent_id: string; total: string | number }[]>('all', false);
    return new Map(rows.map((row) => [row.parent_id, Number(row.total)]));
  }

  /**
   * Writes imported prescriptions, skipping any whose identifier is stored already (`on conflict do nothing` on
   * `prescription_identifier_key`): a concurrent import of the same rows waits for the other to commit, then skips
   * them. Rows are inserted in identifier order, so that two imports sharing rows cannot deadlock.
   */
  async insertImported(rows: readonly ImportedPrescriptionRow[]): Promise<void> {
    const now = new Date();
    await this.#em
      .createQueryBuilder(Prescription)
      .insert(sortedByIdentifier(rows).map((row) => ({ ...row, createdAt: now, updatedAt: now })))
      .onConflict(['identifierSystem', 'identifierValue'])
      .ignore()
      .execute('run');
  }

  /** The ids of the prescriptions carrying these identifiers, by `identifierKey`. */
  async idsByIdentifier(identifiers: readonly { system: string; value: string }[]): Promise<Map<string, string>> {
    const rows = await this.#em.find(
      Prescription,
      { $or: identifiers.map(({ system, value }) => ({ identifierSystem: system, identifierValue: value })) },
      { fields: ['id', 'identifierSystem', 'identifierValue'] },
    );
    return new Map(
      rows.map((row) => [identifierKey({ system: row.identifierSystem!, value: row.identifierValue! }), row.id]),
    );
  }

  appointment(appointmentId: string): Promise<AppointmentReplica | null> {
    return this.#em.findOne(AppointmentReplica, { appointmentId });
  }

  appointments(appointmentIds: readonly string[]): Promise<AppointmentReplica[]> {
    return this.#em.find(AppointmentReplica, { appointmentId: { $in: [...appointmentIds] } });
  }

  /** Which of `patientIds` this subgraph has learnt of from `patient-events`. */
  async knownPatients(patientIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.#em.find(PatientReplica, { patientId: { $in: [...patientIds] } });
    return new Set(rows.map((row) => row.patientId));
  }

  /** Which of `patientIds` `doctorId` has or had an appointment with. */
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

  /** Applies a patient event to the read model, unless a newer one was applied already. */
  upsertPatient(replica: PatientReplica): Promise<void> {
    return applyReplica(this.#em, PatientReplica, { patientId: replica.patientId }, replica);
  }

  /** Applies an appointment event to the read model, unless a newer one was applied already. */
  upsertAppointment(replica: AppointmentReplica): Promise<void> {
    return applyReplica(this.#em, AppointmentReplica, { appointmentId: replica.appointmentId }, replica);
  }
}

/** `rows` in (identifier system, identifier value) order: the order every import takes the unique index in. */
export function sortedByIdentifier<Row extends { identifierSystem: string; identifierValue: string }>(
  rows: readonly Row[],
): Row[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort(
    (a, b) => compare(a.identifierSystem, b.identifierSystem) || compare(a.identifierValue, b.identifierValue),
  );
}
