/**
 * Putting appointments on the calendar: booking, rescheduling, the history import, and the free slots of a
 * doctor's day. Every SPEC §3 booking rule is checked here from `appointment.rules.ts`; the database guarantees
 * what concurrency could otherwise break: the exclusion constraints (one active appointment per doctor slot and per
 * patient time) and the per-doctor-day counter (the daily cap).
 */
import { retryingTransientFailures } from '../../platform/db/transactions.ts';
import { hasAnyRole } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ConflictError, DomainError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import { appointmentsCreated } from '../../platform/observability/business-metrics.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { Appointment, type DoctorReplica } from './appointment.entity.ts';
import { APPOINTMENT_TOPIC, AppointmentEvent, type AppointmentRescheduledPayload } from './appointment.events.ts';
import type { BookAppointmentInput, ImportAppointmentInput } from './appointment.inputs.ts';
import { AppointmentRepository } from './appointment.repository.ts';
import {
  availabilityViolation,
  clinicHoursViolation,
  dailyCapViolation,
  dayBounds,
  defaultWeeklyHours,
  departmentViolation,
  hospitalDay,
  leadTimeViolation,
  rescheduleViolation,
  SchedulingError,
  slotEnd,
  slotShapeViolation,
  slotsOfDay,
  type Availability,
  type SchedulingPolicy,
} from './appointment.rules.ts';
import { payloadOf, type SchedulingServiceDependencies } from './appointment.service.ts';

/** Roles that book and move any patient's appointments (SPEC §2). */
const FRONT_DESK = ['ADMIN', 'RECEPTION'] as const;

export class BookingService {
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

  /**
   * Books a slot: `PENDING` until the doctor accepts. Emits `AppointmentBooked`.
   *
   * @throws ForbiddenError when a patient books for someone else.
   * @throws BadUserInputError for an unknown, archived or deceased patient, or an unknown or inactive doctor.
   * @throws ConflictError when `identifier` was booked before (a replay), whatever else the slot would break now.
   * @throws DomainError INVALID_SLOT, OUTSIDE_CLINIC_HOURS, LEAD_TIME_TOO_SHORT, DEPARTMENT_MISMATCH,
   *   DOCTOR_UNAVAILABLE, DOCTOR_DAILY_CAP_REACHED; SLOT_UNAVAILABLE and PATIENT_DOUBLE_BOOKED come from the
   *   exclusion constraints, mapped by the transport.
   */
  async book(input: BookAppointmentInput): Promise<Appointment> {
    const principal = this.#actor.principal;
    if (!hasAnyRole(principal, FRONT_DESK) && principal?.patientId !== input.patientId) {
      throw new ForbiddenError('Patients may book only for themselves.');
    }
    const appointment = await retryingTransientFailures(() => this.#bookOnce(input));
    appointmentsCreated.inc({ source: 'booked' });
    return appointment;
  }

  /** One attempt at `book` (see `retryingTransientFailures`: racing bookings of one patient can deadlock). */
  #bookOnce(input: BookAppointmentInput): Promise<Appointment> {
    return this.#em.transactional(async (em) => {
      const repository = new AppointmentRepository(em);
      // A replayed row is answered as one (before any rule its slot might break now).
      if (input.identifier && (await repository.findBySource(input.identifier.system, input.identifier.value))) {
        throw new ConflictError('This appointment was booked before.');
      }
      this.#checkSlot(input.startsAt, { leadTime: true });
      const doctor = await this.#bookable(repository, input);
      this.#check(
        availabilityViolation(input.startsAt, this.#availabilityOf(doctor), this.#timeZone, this.#policy),
        'The doctor does not work then.',
      );
      await this.#takePlace(repository, input.doctorId, input.startsAt);
      const appointment = this.#create(em, input, doctor, {
        status: 'PENDING',
        reason: input.reason ?? null,
        imported: false,
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
   * Moves an appointment to another slot, keeping its id; it goes back to `PENDING` for the doctor to accept the
   * new time, and its reschedule count goes up. The new slot obeys every booking rule. Emits
   * `AppointmentRescheduled`.
   *
   * @throws NotFoundError; ForbiddenError for a patient moving someone else's; RESCHEDULE_LIMIT_REACHED,
   *   RESCHEDULE_TOO_LATE, INVALID_STATUS_TRANSITION, and every booking rule's code for the new slot.
   */
  reschedule(id: string, startsAt: Date): Promise<Appointment> {
    return retryingTransientFailures(() => this.#rescheduleOnce(id, startsAt));
  }

  /** One attempt at `reschedule`. */
  #rescheduleOnce(id: string, startsAt: Date): Promise<Appointment> {
    return this.#em.transactional(async (em) => {
      const repository = new AppointmentRepository(em);
      const appointment = await repository.findForUpdate(id);
      if (!appointment) throw new NotFoundError('Appointment', id);
      const principal = this.#actor.principal;
      if (!hasAnyRole(principal, FRONT_DESK) && principal?.patientId !== appointment.patientId) {
        throw new ForbiddenError('Patients may reschedule only their own appointments.');
      }
      // Whether this appointment may move at all comes before whether the new slot is good.
      this.#check(rescheduleViolation(appointment, this.#clock(), this.#policy), 'This appointment cannot be moved.');
      this.#checkSlot(startsAt, { leadTime: true });
      const doctor = await repository.doctor(appointment.doctorId);
      if (!doctor?.active) throw new BadUserInputError('The doctor no longer takes appointments.', 'startsAt');
      this.#check(
        availabilityViolation(startsAt, this.#availabilityOf(doctor), this.#timeZone, this.#policy),
        'The doctor does not work then.',
      );

      const previousStartsAt = appointment.startsAt;
      const [oldDay, newDay] = [hospitalDay(previousStartsAt, this.#timeZone), hospitalDay(startsAt, this.#timeZone)];
      if (oldDay !== newDay) {
        // Counters are touched in day order, so two opposite moves cannot deadlock.
        if (oldDay < newDay) {
          await repository.releaseDailyPlace(appointment.doctorId, oldDay);
          await this.#takePlace(repository, appointment.doctorId, startsAt);
        } else {
          await this.#takePlace(repository, appointment.doctorId, startsAt);
          await repository.releaseDailyPlace(appointment.doctorId, oldDay);
        }
      }
      appointment.startsAt = startsAt;
      appointment.endsAt = slotEnd(startsAt, this.#policy);
      appointment.status = 'PENDING';
      appointment.rescheduleCount += 1;
      const payload: AppointmentRescheduledPayload = {
        ...payloadOf(appointment),
        previousStartsAt: previousStartsAt.toISOString(),
      };
      emitEvent(em, APPOINTMENT_TOPIC, this.#actor, {
        type: AppointmentEvent.Rescheduled,
        aggregateId: appointment.id,
        payload,
      });
      return appointment;
    });
  }

  /**
   * Records a past appointment with its outcome (ADMIN only, enforced by the schema), marked `imported`. What a
   * record must be still holds (a whole slot in clinic hours, a known patient and doctor, the doctor's department,
   * one record per source identifier); the rules about booking now do not (lead time, working hours, the daily cap
   * and its counter; the overlap constraints cover only active appointments, which a COMPLETED or NO_SHOW one is
   * not). Emits `AppointmentImported`.
   *
   * @throws ConflictError when the identifier was imported before; the booking rules' codes otherwise.
   */
  async importHistorical(input: ImportAppointmentInput): Promise<Appointment> {
    this.#checkSlot(input.startsAt, { leadTime: false });
    if (input.startsAt >= this.#clock())
      throw new BadUserInputError('input.startsAt: an imported appointment must be in the past', 'input.startsAt');
    const imported = await this.#em.transactional(async (em) => {
      const repository = new AppointmentRepository(em);
      if (await repository.findBySource(input.identifier.system, input.identifier.value)) {
        throw new ConflictError('This appointment was imported before.');
      }
      const doctor = await this.#bookable(repository, input);
      const appointment = this.#create(em, input, doctor, { status: input.status, reason: null, imported: true });
      emitEvent(em, APPOINTMENT_TOPIC, this.#actor, {
        type: AppointmentEvent.Imported,
        aggregateId: appointment.id,
        payload: payloadOf(appointment),
      });
      return appointment;
    });
    appointmentsCreated.inc({ source: 'imported' });
    return imported;
  }

  /**
   * The slot starts of `date` (a hospital day) that a booking with this doctor would accept now: inside clinic
   * and working hours, outside time off, after the lead time, not taken, and none once the day is full.
   */
  async availableSlots(doctorId: string, date: string): Promise<Date[]> {
    const repository = new AppointmentRepository(this.#em);
    const doctor = await repository.doctor(doctorId);
    if (!doctor?.active) return [];
    const { start, end } = dayBounds(date, this.#timeZone);
    const booked = await repository.activeOfDoctor(doctorId, start, end);
    if (dailyCapViolation(booked.length, this.#policy)) return [];
    const availability = this.#availabilityOf(doctor);
    const now = this.#clock();
    return slotsOfDay(date, this.#timeZone, this.#policy).filter(
      (slot) =>
        !leadTimeViolation(slot, now, this.#policy) &&
        !availabilityViolation(slot, availability, this.#timeZone, this.#policy) &&
        !booked.some((taken) => taken.startsAt < slotEnd(slot, this.#policy) && slot < taken.endsAt),
    );
  }

  /** The checks that need nothing but the slot: shape, clinic hours and (for bookings) lead time. */
  #checkSlot(startsAt: Date, options: { leadTime: boolean }): void {
    this.#check(slotShapeViolation(startsAt, this.#timeZone, this.#policy), 'A slot starts on the hour or half hour.');
    this.#check(clinicHoursViolation(startsAt, this.#timeZone, this.#policy), 'The slot is outside clinic hours.');
    if (options.leadTime)
      this.#check(leadTimeViolation(startsAt, this.#clock(), this.#policy), 'The slot starts too soon to book.');
  }

  /** The patient and doctor exist and can be booked, and the department is the doctor's. */
  async #bookable(
    repository: AppointmentRepository,
    input: { patientId: string; doctorId: string; departmentId: string },
  ): Promise<DoctorReplica> {
    const [patient, doctor] = await Promise.all([
      repository.patient(input.patientId),
      repository.doctor(input.doctorId),
    ]);
    const principal = this.#actor.principal;
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
    return doctor;
  }

  /** A new appointment of one slot, with the doctor's current fee and where it came from. */
  #create(
    em: EntityManager,
    input: BookAppointmentInput | ImportAppointmentInput,
    doctor: DoctorReplica,
    state: { status: Appointment['status']; reason: string | null; imported: boolean },
  ): Appointment {
    return em.create(Appointment, {
      patientId: input.patientId,
      doctorId: input.doctorId,
      departmentId: input.departmentId,
      startsAt: input.startsAt,
      endsAt: slotEnd(input.startsAt, this.#policy),
      ...state,
      consultationFeeAmount: doctor.consultationFeeAmount,
      feeCurrency: doctor.feeCurrency,
      rescheduleCount: 0,
      sourceSystem: input.identifier?.system ?? null,
      sourceValue: input.identifier?.value ?? null,
    });
  }

  /** Takes a place of the doctor's daily cap for the day of `startsAt`. @throws DOCTOR_DAILY_CAP_REACHED */
  async #takePlace(repository: AppointmentRepository, doctorId: string, startsAt: Date): Promise<void> {
    const day = hospitalDay(startsAt, this.#timeZone);
    const { start, end } = dayBounds(day, this.#timeZone);
    if (!(await repository.takeDailyPlace(doctorId, day, start, end, this.#policy.dailyCap))) {
      throw new DomainError(SchedulingError.DOCTOR_DAILY_CAP_REACHED, `The doctor has no more places on ${day}.`);
    }
  }

  #availabilityOf(doctor: DoctorReplica): Availability {
    return {
      weeklyHours: doctor.weeklyHours ?? defaultWeeklyHours(this.#policy),
      timeOff: doctor.timeOff.map((off) => ({ startsAt: new Date(off.startsAt), endsAt: new Date(off.endsAt) })),
    };
  }

  #check(violation: string | null, message: string): void {
    if (violation) throw new DomainError(violation, message);
  }
}
