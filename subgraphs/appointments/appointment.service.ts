/**
 * Booking and the appointment lifecycle: who may act on which appointment (SPEC §2), the scheduling rules
 * (SPEC §3, from `appointment.rules.ts`), and the `appointment-events` every change raises in the same
 * transaction. Overlaps are refused by the database's exclusion constraints, whatever the concurrency.
 */
import { z } from 'zod';
import { hasAnyRole, type Principal } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, DomainError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import { Appointment } from './appointment.entity.ts';
import {
  APPOINTMENT_TOPIC,
  AppointmentEvent,
  type AppointmentCancelledPayload,
  type AppointmentEventPayload,
} from './appointment.events.ts';
import type { AppointmentFilter, BookAppointmentInput } from './appointment.inputs.ts';
import { AppointmentRepository } from './appointment.repository.ts';
import {
  departmentViolation,
  slotEnd,
  slotShapeViolation,
  transitionViolation,
  type SchedulingPolicy,
} from './appointment.rules.ts';

/** Appointments are listed by (start, id). */
const START_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

/** Roles that see and manage every appointment (SPEC §2). */
const FRONT_DESK = ['ADMIN', 'RECEPTION'] as const;
const READ_ALL = ['ADMIN', 'RECEPTION', 'BILLING'] as const;

export interface AppointmentServiceDependencies {
  em: EntityManager;
  actor: Actor;
  clock: () => Date;
  timeZone: string;
  policy: SchedulingPolicy;
}

export const payloadOf = (appointment: Appointment): AppointmentEventPayload => ({
  appointmentId: appointment.id,
  patientId: appointment.patientId,
  doctorId: appointment.doctorId,
  departmentId: appointment.departmentId,
  startsAt: appointment.startsAt.toISOString(),
  endsAt: appointment.endsAt.toISOString(),
  status: appointment.status,
});

/**
 * The filter a caller may use: patients are held to their own appointments and doctors to theirs; staff who read
 * everything keep their filter.
 *
 * @throws ForbiddenError when the filter names someone else, or the caller has no basis to read appointments.
 */
export function scopeFilter(principal: Principal | null, filter: AppointmentFilter): AppointmentFilter {
  if (hasAnyRole(principal, READ_ALL)) return filter;
  if (principal?.roles.includes('DOCTOR') && principal.doctorId) {
    if (filter.doctorId && filter.doctorId !== principal.doctorId)
      throw new ForbiddenError("You may not read another doctor's appointments.");
    return { ...filter, doctorId: principal.doctorId };
  }
  if (principal?.roles.includes('PATIENT') && principal.patientId) {
    if (filter.patientId && filter.patientId !== principal.patientId)
      throw new ForbiddenError("You may not read another patient's appointments.");
    return { ...filter, patientId: principal.patientId };
  }
  throw new ForbiddenError('You may not read appointments.');
}

/** SPEC §2: staff read every appointment; patients and doctors their own. */
export function mayReadAppointment(
  principal: Principal | null,
  appointment: Pick<Appointment, 'patientId' | 'doctorId'>,
): boolean {
  if (hasAnyRole(principal, READ_ALL)) return true;
  if (principal?.roles.includes('DOCTOR') && principal.doctorId === appointment.doctorId) return true;
  return Boolean(principal?.roles.includes('PATIENT') && principal.patientId === appointment.patientId);
}

export class AppointmentService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;
  readonly #timeZone: string;
  readonly #policy: SchedulingPolicy;

  constructor(deps: AppointmentServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
    this.#policy = deps.policy;
  }

  /** An appointment, or null. @throws ForbiddenError for someone else's appointment. */
  async get(id: string): Promise<Appointment | null> {
    const appointment = await new AppointmentRepository(this.#em).findById(id);
    if (appointment) this.authorizeRead(appointment);
    return appointment;
  }

  /** @throws ForbiddenError unless the caller may read `appointment`. */
  authorizeRead(appointment: Pick<Appointment, 'patientId' | 'doctorId'>): void {
    if (!mayReadAppointment(this.#actor.principal, appointment))
      throw new ForbiddenError('You may not read this appointment.');
  }

  /** A page of appointments by start time, scoped to what the caller may see. */
  async list(filter: AppointmentFilter, page: PageArgs): Promise<Connection<Appointment>> {
    const scoped = scopeFilter(this.#actor.principal, filter);
    const request = pageRequest(page, START_CURSOR);
    const repository = new AppointmentRepository(this.#em);
    const rows = await repository.page(scoped, request);
    return toConnection(
      rows,
      request,
      (a) => [a.startsAt.toISOString(), a.id],
      () => repository.count(scoped),
    );
  }

  /**
   * Books a slot: `PENDING` until the doctor accepts. Emits `AppointmentBooked`.
   *
   * @throws ForbiddenError when a patient books for someone else.
   * @throws BadUserInputError for an unknown, archived or deceased patient, or an unknown or inactive doctor.
   * @throws DomainError INVALID_SLOT, DEPARTMENT_MISMATCH; SLOT_UNAVAILABLE and PATIENT_DOUBLE_BOOKED come from
   *   the exclusion constraints, mapped by the transport.
   */
  async book(input: BookAppointmentInput): Promise<Appointment> {
    const principal = this.#actor.principal;
    if (!hasAnyRole(principal, FRONT_DESK) && principal?.patientId !== input.patientId) {
      throw new ForbiddenError('Patients may book only for themselves.');
    }
    this.#check(
      slotShapeViolation(input.startsAt, this.#timeZone, this.#policy),
      'The slot must start on the hour or half hour and last one slot.',
    );

    return this.#em.transactional(async (em) => {
      const repository = new AppointmentRepository(em);
      const [patient, doctor] = await Promise.all([
        repository.patient(input.patientId),
        repository.doctor(input.doctorId),
      ]);
      // A patient booking for themself is known to exist from their verified token (identity reserved their
      // record at sign-up), even before this subgraph's copy has caught up; an archived or deceased one is not.
      const selfBooking = principal?.roles.includes('PATIENT') && principal.patientId === input.patientId;
      if (patient ? !patient.active : !selfBooking) {
        throw new BadUserInputError(`input.patientId: no bookable patient ${input.patientId}`, 'input.patientId');
      }
      if (!doctor?.active)
        throw new BadUserInputError(`input.doctorId: no active doctor ${input.doctorId}`, 'input.doctorId');
      this.#check(
        departmentViolation(input.departmentId, doctor.departmentId),
        'The doctor does not work in this department.',
      );

      const appointment = em.create(Appointment, {
        patientId: input.patientId,
        doctorId: input.doctorId,
        departmentId: input.departmentId,
        startsAt: input.startsAt,
        endsAt: slotEnd(input.startsAt, this.#policy),
        status: 'PENDING',
        reason: input.reason ?? null,
        cancelledAt: null,
        cancellationReason: null,
      });
      emitEvent(em, APPOINTMENT_TOPIC, this.#actor, {
        type: AppointmentEvent.Booked,
        aggregateId: appointment.id,
        payload: payloadOf(appointment),
      });
      return appointment;
    });
  }

  /**
   * Cancels a `PENDING` or `CONFIRMED` appointment and emits `AppointmentCancelled`.
   *
   * @throws NotFoundError; ForbiddenError for a patient cancelling someone else's; INVALID_STATUS_TRANSITION.
   */
  async cancel(id: string, reason: string | null): Promise<Appointment> {
    return this.#em.transactional(async (em) => {
      const appointment = await new AppointmentRepository(em).findForUpdate(id);
      if (!appointment) throw new NotFoundError('Appointment', id);
      const principal = this.#actor.principal;
      if (!hasAnyRole(principal, FRONT_DESK) && principal?.patientId !== appointment.patientId) {
        throw new ForbiddenError('Patients may cancel only their own appointments.');
      }
      this.#check(
        transitionViolation(appointment.status, 'CANCELLED'),
        `An appointment that is ${appointment.status} cannot be cancelled.`,
      );
      appointment.status = 'CANCELLED';
      appointment.cancelledAt = this.#clock();
      appointment.cancellationReason = reason;
      const payload: AppointmentCancelledPayload = {
        ...payloadOf(appointment),
        cancelledAt: appointment.cancelledAt.toISOString(),
        reason,
      };
      emitEvent(em, APPOINTMENT_TOPIC, this.#actor, {
        type: AppointmentEvent.Cancelled,
        aggregateId: appointment.id,
        payload,
      });
      return appointment;
    });
  }

  #check(violation: string | null, message: string): void {
    if (violation) throw new DomainError(violation, message);
  }
}
