/**
 * Queries of this subgraph's read models: the directory of patients and doctors (names and contact points) and the
 * appointments it reminds patients of, each kept at the newest event it has seen.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { applyReplica } from '../../platform/db/replica.ts';
import { AppointmentReplica, DoctorContact, PatientContact } from './notification.entity.ts';
import { REMINDED_STATUSES, REMINDER_LEAD_MS } from './notification.rules.ts';

/** An appointment event's facts, as the reminder copy keeps them. */
export interface AppointmentFacts {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  startsAt: Date;
  status: string;
}

/** The directory and the appointment copy, on one entity manager. */
export class DirectoryRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  patient(patientId: string): Promise<PatientContact | null> {
    return this.#em.findOne(PatientContact, { patientId });
  }

  doctor(doctorId: string): Promise<DoctorContact | null> {
    return this.#em.findOne(DoctorContact, { doctorId });
  }

  /** Applies a patient event to the directory, unless a newer one was applied already. */
  upsertPatient(contact: PatientContact): Promise<void> {
    return applyReplica(this.#em, PatientContact, { patientId: contact.patientId }, contact);
  }

  /** Applies a doctor event to the directory, unless a newer one was applied already. */
  upsertDoctor(contact: DoctorContact): Promise<void> {
    return applyReplica(this.#em, DoctorContact, { doctorId: contact.doctorId }, contact);
  }

  /**
   * Applies an appointment event to the reminder copy, unless a newer one was applied already. `scheduled`: the
   * event booked or moved the appointment (its `occurredAt` becomes `scheduledAt`); other events keep the time the
   * copy has, or take theirs when the copy missed the booking.
   */
  async applyAppointment(facts: AppointmentFacts, occurredAt: Date, scheduled: boolean): Promise<void> {
    const existing = await this.#em.findOne(AppointmentReplica, { appointmentId: facts.appointmentId });
    if (existing && existing.asOf > occurredAt) return;
    const scheduledAt = scheduled || !existing ? occurredAt : existing.scheduledAt;
    if (existing) {
      this.#em.assign(existing, { ...facts, scheduledAt, asOf: occurredAt });
    } else {
      this.#em.create(AppointmentReplica, { ...facts, scheduledAt, remindedStartsAt: null, asOf: occurredAt });
    }
  }

  /**
   * Appointments whose reminder may be due at `now` and has not been raised for their current start: booked or
   * confirmed, starting within the next 24 hours, scheduled before their reminder time; soonest first. The caller
   * checks each with `reminderDue`.
   */
  dueForReminder(now: Date, limit: number): Promise<AppointmentReplica[]> {
    return this.#em
      .createQueryBuilder(AppointmentReplica, 'a')
      .select('*')
      .where({
        status: { $in: [...REMINDED_STATUSES] },
        startsAt: { $gt: now, $lte: new Date(now.getTime() + REMINDER_LEAD_MS) },
      })
      .andWhere(`a.scheduled_at < a.starts_at - ? * interval '1 millisecond'`, [REMINDER_LEAD_MS])
      .andWhere('(a.reminded_starts_at is null or a.reminded_starts_at <> a.starts_at)')
      .orderBy({ startsAt: 'asc' })
      .limit(limit)
      .getResultList();
  }

  /** Records that the reminder of the appointment's start `startsAt` was raised. */
  async markReminded(appointmentId: string, startsAt: Date): Promise<void> {
    await this.#em.nativeUpdate(AppointmentReplica, { appointmentId, startsAt }, { remindedStartsAt: startsAt });
  }
}
