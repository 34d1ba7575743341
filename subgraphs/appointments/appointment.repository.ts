/** Queries of the appointments subgraph, named by intent. */
import { LockMode, raw } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { applyReplica } from '../../platform/db/replica.ts';
import { pagesPerParent } from '../../platform/graphql/loaders.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { Appointment, DoctorReplica, PatientReplica } from './appointment.entity.ts';
import type { AppointmentFilter } from './appointment.inputs.ts';
import { ACTIVE_STATUSES } from './appointment.rules.ts';

/** Whose appointments a nested connection lists: `Patient.appointments` or `Doctor.appointments`. */
export type AppointmentParent = 'patientId' | 'doctorId';
const PARENT_COLUMN: Record<AppointmentParent, string> = { patientId: 'patient_id', doctorId: 'doctor_id' };

const ACTIVE_SQL = ACTIVE_STATUSES.map((status) => `'${status}'`).join(', ');

export class AppointmentRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<Appointment | null> {
    return this.#em.findOne(Appointment, { id });
  }

  findByIds(ids: readonly string[]): Promise<Appointment[]> {
    return this.#em.find(Appointment, { id: { $in: [...ids] } });
  }

  /** Locks the appointment row for the rest of the transaction (for status changes). */
  findForUpdate(id: string): Promise<Appointment | null> {
    return this.#em.findOne(Appointment, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  findBySource(system: string, value: string): Promise<Appointment | null> {
    return this.#em.findOne(Appointment, { sourceSystem: system, sourceValue: value });
  }

  findBySources(system: string, values: readonly string[]): Promise<Appointment[]> {
    return this.#em.find(Appointment, { sourceSystem: system, sourceValue: { $in: [...values] } });
  }

  doctor(doctorId: string): Promise<DoctorReplica | null> {
    return this.#em.findOne(DoctorReplica, { doctorId });
  }

  patient(patientId: string): Promise<PatientReplica | null> {
    return this.#em.findOne(PatientReplica, { patientId });
  }

  /** A doctor's active appointments starting in [from, to). */
  activeOfDoctor(doctorId: string, from: Date, to: Date): Promise<Appointment[]> {
    return this.#em.find(
      Appointment,
      { doctorId, status: { $in: [...ACTIVE_STATUSES] }, startsAt: { $gte: from, $lt: to } },
      { orderBy: { startsAt: 'asc' } },
    );
  }

  /**
   * Takes one place of the doctor's daily cap on `day` ([dayStart, dayEnd) in the hospital's time zone), under
   * the counter row's lock. A day without a counter yet starts from the active appointments it really has.
   *
   * @returns false when the day is full (nothing changes).
   */
  async takeDailyPlace(doctorId: string, day: string, dayStart: Date, dayEnd: Date, cap: number): Promise<boolean> {
    const rows = await this.#em.execute<{ active_count: number }[]>(
      `insert into "appointments"."doctor_day" ("doctor_id", "day", "active_count")
         select ?, ?::date, count(*) + 1 from "appointments"."appointment"
         where "doctor_id" = ? and "starts_at" >= ? and "starts_at" < ? and "status" in (${ACTIVE_SQL})
         having count(*) < ?
       on conflict ("doctor_id", "day") do update set "active_count" = "doctor_day"."active_count" + 1
         where "doctor_day"."active_count" < ?
       returning "active_count"`,
      [doctorId, day, doctorId, dayStart, dayEnd, cap, cap],
    );
    return rows.length === 1;
  }

  /** Gives back the place of an appointment that stops being active (cancelled, rejected, over, moved away). */
  async releaseDailyPlace(doctorId: string, day: string): Promise<void> {
    await this.#em.execute(
      `update "appointments"."doctor_day" set "active_count" = "active_count" - 1
       where "doctor_id" = ? and "day" = ?::date and "active_count" > 0`,
      [doctorId, day],
    );
  }

  /** One page by (start, id), reading `limit + 1` rows. */
  page(filter: AppointmentFilter, page: PageRequest): Promise<Appointment[]> {
    const qb = this.#em.createQueryBuilder(Appointment, 'a').select('*').where(this.#condition(filter));
    if (page.after) qb.andWhere('(a.starts_at, a.id) > (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
    return qb
      .orderBy({ startsAt: 'asc', id: 'asc' })
      .limit(page.limit + 1)
      .getResultList();
  }

  count(filter: AppointmentFilter): Promise<number> {
    return this.#em.count(Appointment, this.#condition(filter));
  }

  /**
   * The page by (start, id) of each of many patients or doctors (`parent`), in one statement: a lateral subquery per
   * parent on `appointment_patient_starts_idx` / `appointment_doctor_starts_idx`. `filter` must not name the parent.
   */
  pagesPerParent(
    parent: AppointmentParent,
    parentIds: readonly string[],
    filter: AppointmentFilter,
    page: PageRequest,
  ): Promise<Appointment[]> {
    const qb = this.#em
      .createQueryBuilder(Appointment, 'a')
      .select('*')
      .where(this.#condition(filter))
      .andWhere(`a.${PARENT_COLUMN[parent]} = parent.id`);
    if (page.after) qb.andWhere('(a.starts_at, a.id) > (?, ?)', [new Date(String(page.after[0])), page.after[1]]);
    qb.orderBy({ startsAt: 'asc', id: 'asc' }).limit(page.limit + 1);
    return pagesPerParent(this.#em, Appointment, parentIds, qb);
  }

  /** How many appointments matching `filter` each of many parents has, in one grouped statement. */
  async countPerParent(
    parent: AppointmentParent,
    parentIds: readonly string[],
    filter: AppointmentFilter,
  ): Promise<Map<string, number>> {
    const column = PARENT_COLUMN[parent];
    const rows = await this.#em
      .createQueryBuilder(Appointment, 'a')
      .select([raw(`a.${column} as parent_id`), raw('count(*) as total')])
      .where({ $and: [this.#condition(filter), { [parent]: { $in: [...parentIds] } }] })
      .groupBy(`a.${parent}`)
      .execute<{ parent_id: string; total: string | number }[]>('all', false);
    return new Map(rows.map((row) => [row.parent_id, Number(row.total)]));
  }

  #condition(filter: AppointmentFilter): object {
    const conditions: object[] = [];
    if (filter.patientId) conditions.push({ patientId: filter.patientId });
    if (filter.doctorId) conditions.push({ doctorId: filter.doctorId });
    if (filter.status?.length) conditions.push({ status: { $in: filter.status } });
    if (filter.from) conditions.push({ startsAt: { $gte: filter.from } });
    if (filter.to) conditions.push({ startsAt: { $lt: filter.to } });
    return conditions.length > 0 ? { $and: conditions } : {};
  }

  /** Applies a doctor event to the read model, unless a newer one was applied already. */
  upsertDoctor(replica: DoctorReplica): Promise<void> {
    return applyReplica(this.#em, DoctorReplica, { doctorId: replica.doctorId }, replica);
  }

  /** Applies a patient event to the read model, unless a newer one was applied already. */
  upsertPatient(replica: PatientReplica): Promise<void> {
    return applyReplica(this.#em, PatientReplica, { patientId: replica.patientId }, replica);
  }
}
