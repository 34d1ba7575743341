/** Queries of the appointments subgraph, named by intent. */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { Appointment, DoctorReplica, PatientReplica } from './appointment.entity.ts';
import type { AppointmentFilter } from './appointment.inputs.ts';

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

  doctor(doctorId: string): Promise<DoctorReplica | null> {
    return this.#em.findOne(DoctorReplica, { doctorId });
  }

  patient(patientId: string): Promise<PatientReplica | null> {
    return this.#em.findOne(PatientReplica, { patientId });
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
  async upsertDoctor(replica: DoctorReplica): Promise<void> {
    const existing = await this.#em.findOne(DoctorReplica, { doctorId: replica.doctorId });
    if (!existing) {
      this.#em.create(DoctorReplica, replica);
    } else if (existing.asOf <= replica.asOf) {
      this.#em.assign(existing, replica);
    }
  }

  /** Applies a patient event to the read model, unless a newer one was applied already. */
  async upsertPatient(replica: PatientReplica): Promise<void> {
    const existing = await this.#em.findOne(PatientReplica, { patientId: replica.patientId });
    if (!existing) {
      this.#em.create(PatientReplica, replica);
    } else if (existing.asOf <= replica.asOf) {
      this.#em.assign(existing, replica);
    }
  }
}
