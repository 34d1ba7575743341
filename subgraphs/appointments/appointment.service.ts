/**
 * Reading appointments and moving them through their lifecycle (SPEC §3): who may act on which appointment
 * (SPEC §2), the transition rules, the fees a late cancellation or a no-show owes, and one `appointment-events`
 * event per transition, written in the same transaction. Booking and rescheduling are in `booking.service.ts`.
 */
import { z } from 'zod';
import { hasAnyRole, type Principal, type Role } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { DomainError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { countsPerParent } from '../../platform/graphql/loaders.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import type { Appointment } from './appointment.entity.ts';
import {
  APPOINTMENT_TOPIC,
  AppointmentEvent,
  type AppointmentCancelledPayload,
  type AppointmentEventPayload,
  type AppointmentMarkedNoShowPayload,
  type AppointmentRejectedPayload,
} from './appointment.events.ts';
import type { AppointmentFilter } from './appointment.inputs.ts';
import { AppointmentRepository, type AppointmentParent } from './appointment.repository.ts';
import {
  ACTIVE_STATUSES,
  cancellationCharge,
  hospitalDay,
  noShowCharge,
  noShowViolation,
  transitionViolation,
  type AppointmentStatus,
  type SchedulingPolicy,
} from './appointment.rules.ts';

/** Appointments are listed by (start, id). */
const START_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

/** Roles that read every appointment (SPEC §2). */
const READ_ALL = ['ADMIN', 'RECEPTION', 'BILLING'] as const;

/**
 * Who may make each transition (SPEC §2): the patient or the front desk book, reschedule and cancel; the doctor of
 * the appointment accepts, rejects and completes; the doctor or reception check in and mark no-shows; admins do
 * anything.
 */
const ACTORS: Record<
  'accept' | 'reject' | 'cancel' | 'checkIn' | 'complete' | 'markNoShow',
  { roles: Role[]; ownDoctor: boolean; ownPatient: boolean }
> = {
  accept: { roles: ['ADMIN'], ownDoctor: true, ownPatient: false },
  reject: { roles: ['ADMIN'], ownDoctor: true, ownPatient: false },
  cancel: { roles: ['ADMIN', 'RECEPTION'], ownDoctor: false, ownPatient: true },
  checkIn: { roles: ['ADMIN', 'RECEPTION'], ownDoctor: true, ownPatient: false },
  complete: { roles: ['ADMIN'], ownDoctor: true, ownPatient: false },
  markNoShow: { roles: ['ADMIN', 'RECEPTION'], ownDoctor: true, ownPatient: false },
};

/** What both scheduling services (this one and `BookingService`) work with. */
export interface SchedulingServiceDependencies {
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
  consultationFee: { amount: appointment.consultationFeeAmount, currency: appointment.feeCurrency },
  rescheduleCount: appointment.rescheduleCount,
  imported: appointment.imported,
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
    if (filter.doctorId && filter.doctorId !== principal.doctorId) {
      throw new ForbiddenError("You may not read another doctor's appointments.");
    }
    return { ...filter, doctorId: principal.doctorId };
  }
  if (principal?.roles.includes('PATIENT') && principal.patientId) {
    if (filter.patientId && filter.patientId !== principal.patientId) {
      throw new ForbiddenError("You may not read another patient's appointments.");
    }
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

  constructor(deps: SchedulingServiceDependencies) {
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
   * `Patient.appointments` or `Doctor.appointments` of many parents at once (a page of patients): each parent's page
   * scoped as `list` scopes it, read in one statement for all of them, their counts in one more when asked.
   *
   * @returns one connection per parent id, in order; a ForbiddenError in place of a parent the caller may not read.
   * @throws BadUserInputError for a bad `first` or `after`.
   */
  async listPerParent(
    parent: AppointmentParent,
    parentIds: readonly string[],
    filter: AppointmentFilter,
    page: PageArgs,
  ): Promise<(Connection<Appointment> | Error)[]> {
    const request = pageRequest(page, START_CURSOR);
    const repository = new AppointmentRepository(this.#em);
    // What the caller's scope adds besides the parent (a doctor reading a patient's: only theirs), by parent.
    const scoped = parentIds.map((parentId) => {
      try {
        const { [parent]: _parent, ...rest } = scopeFilter(this.#actor.principal, { ...filter, [parent]: parentId });
        return rest as AppointmentFilter;
      } catch (error) {
        return error as Error;
      }
    });
    const groups = new Map<string, { filter: AppointmentFilter; parentIds: string[] }>();
    scoped.forEach((entry, index) => {
      if (entry instanceof Error) return;
      const key = JSON.stringify(entry);
      const group = groups.get(key) ?? { filter: entry, parentIds: [] };
      group.parentIds.push(parentIds[index]!);
      groups.set(key, group);
    });
    const connections = new Map<string, Connection<Appointment>>();
    for (const group of groups.values()) {
      const rows = await repository.pagesPerParent(parent, group.parentIds, group.filter, request);
      const count = countsPerParent(group.parentIds, (ids) => repository.countPerParent(parent, ids, group.filter));
      const rowsOf = Map.groupBy(rows, (row) => row[parent]);
      for (const parentId of group.parentIds) {
        connections.set(
          parentId,
          toConnection(
            rowsOf.get(parentId) ?? [],
            request,
            (a) => [a.startsAt.toISOString(), a.id],
            () => count(parentId),
          ),
        );
      }
    }
    return parentIds.map((parentId, index) => {
      const entry = scoped[index]!;
      return entry instanceof Error ? entry : connections.get(parentId)!;
    });
  }

  /** Appointments replayed or imported under these identifiers (the schema allows this to staff only). */
  byIdentifiers(system: string, values: readonly string[]): Promise<Appointment[]> {
    return new AppointmentRepository(this.#em).findBySources(system, values);
  }

  /** The doctor accepts a `PENDING` appointment: `CONFIRMED`, event `AppointmentConfirmed`. */
  accept(id: string): Promise<Appointment> {
    return this.#transition(id, 'accept', 'CONFIRMED', (appointment) => ({
      type: AppointmentEvent.Confirmed,
      payload: payloadOf(appointment),
    }));
  }

  /** The doctor declines a `PENDING` appointment: `REJECTED`, the slot freed, event `AppointmentRejected`. */
  reject(id: string, reason: string | null): Promise<Appointment> {
    return this.#transition(id, 'reject', 'REJECTED', (appointment) => {
      appointment.rejectionReason = reason;
      const payload: AppointmentRejectedPayload = { ...payloadOf(appointment), reason };
      return { type: AppointmentEvent.Rejected, payload };
    });
  }

  /**
   * Cancels a `PENDING` or `CONFIRMED` appointment, frees the slot and records the fee band (SPEC §3): more than
   * 2 h before the start nothing is owed (anything paid is refunded), later the late fee. Event
   * `AppointmentCancelled` with the fee owed.
   */
  cancel(id: string, reason: string | null): Promise<Appointment> {
    return this.#transition(id, 'cancel', 'CANCELLED', (appointment) => {
      const cancelledAt = this.#clock();
      const charge = cancellationCharge(
        appointment.startsAt,
        cancelledAt,
        appointment.consultationFeeAmount,
        this.#policy,
      );
      Object.assign(appointment, {
        cancelledAt,
        cancellationReason: reason,
        cancellationBand: charge.band,
        feeOwedAmount: charge.amount,
      });
      const payload: AppointmentCancelledPayload = {
        ...payloadOf(appointment),
        cancelledAt: cancelledAt.toISOString(),
        reason,
        band: charge.band,
        feeOwed: { amount: charge.amount, currency: appointment.feeCurrency },
      };
      return { type: AppointmentEvent.Cancelled, payload };
    });
  }

  /** The patient has arrived: `CONFIRMED` → `CHECKED_IN`, event `AppointmentCheckedIn`. */
  checkIn(id: string): Promise<Appointment> {
    return this.#transition(id, 'checkIn', 'CHECKED_IN', (appointment) => ({
      type: AppointmentEvent.CheckedIn,
      payload: payloadOf(appointment),
    }));
  }

  /** The visit is over: `CHECKED_IN` → `COMPLETED`, event `AppointmentCompleted` with the fee at booking time. */
  complete(id: string): Promise<Appointment> {
    return this.#transition(id, 'complete', 'COMPLETED', (appointment) => ({
      type: AppointmentEvent.Completed,
      payload: payloadOf(appointment),
    }));
  }

  /**
   * The patient did not come: `CONFIRMED` → `NO_SHOW`, only once the slot has started; the no-show fee is owed.
   * Event `AppointmentMarkedNoShow`.
   */
  markNoShow(id: string): Promise<Appointment> {
    return this.#transition(id, 'markNoShow', 'NO_SHOW', (appointment) => {
      const violation = noShowViolation(appointment.startsAt, this.#clock());
      if (violation) throw new DomainError(violation, 'A no-show can be marked only once the slot has started.');
      appointment.feeOwedAmount = noShowCharge(appointment.consultationFeeAmount, this.#policy);
      const payload: AppointmentMarkedNoShowPayload = {
        ...payloadOf(appointment),
        feeOwed: { amount: appointment.feeOwedAmount, currency: appointment.feeCurrency },
      };
      return { type: AppointmentEvent.MarkedNoShow, payload };
    });
  }

  /**
   * One lifecycle transition: lock the row, check who acts and whether the lifecycle allows it, change, free the
   * day's place when the appointment stops being active, and emit the event `change` describes.
   *
   * @throws NotFoundError; ForbiddenError (SPEC §2); INVALID_STATUS_TRANSITION (SPEC §3).
   */
  async #transition(
    id: string,
    action: keyof typeof ACTORS,
    to: AppointmentStatus,
    change: (appointment: Appointment) => { type: string; payload: AppointmentEventPayload },
  ): Promise<Appointment> {
    return this.#em.transactional(async (em) => {
      const repository = new AppointmentRepository(em);
      const appointment = await repository.findForUpdate(id);
      if (!appointment) throw new NotFoundError('Appointment', id);
      this.#authorize(action, appointment);
      const violation = transitionViolation(appointment.status, to);
      if (violation)
        throw new DomainError(violation, `An appointment that is ${appointment.status} cannot become ${to}.`);
      const wasActive = ACTIVE_STATUSES.includes(appointment.status);
      appointment.status = to;
      const event = change(appointment);
      if (wasActive && !ACTIVE_STATUSES.includes(to)) {
        await repository.releaseDailyPlace(appointment.doctorId, hospitalDay(appointment.startsAt, this.#timeZone));
      }
      emitEvent(em, APPOINTMENT_TOPIC, this.#actor, { ...event, aggregateId: appointment.id });
      return appointment;
    });
  }

  #authorize(action: keyof typeof ACTORS, appointment: Appointment): void {
    const rule = ACTORS[action];
    const principal = this.#actor.principal;
    const allowed =
      hasAnyRole(principal, rule.roles) ||
      (rule.ownDoctor && principal?.roles.includes('DOCTOR') && principal.doctorId === appointment.doctorId) ||
      (rule.ownPatient && principal?.roles.includes('PATIENT') && principal.patientId === appointment.patientId);
    if (!allowed) throw new ForbiddenError('You may not do this to this appointment.');
  }
}
