/**
 * Reading and issuing prescriptions (SPEC §2, §5): a doctor prescribes for the patient of one of their own
 * appointments once the patient has been seen (`CHECKED_IN` or `COMPLETED`, as `appointment-events` last reported);
 * the patient and the doctors who have or had an appointment with them read them. `PrescriptionIssued` is written
 * in the same transaction, through the outbox.
 */
import { z } from 'zod';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { countsPerParent } from '../../platform/graphql/loaders.ts';
import {
  pageRequest,
  toConnection,
  type Connection,
  type PageArgs,
  type PageRequest,
} from '../../platform/graphql/pagination.ts';
import type { ClinicalAccess } from './clinical-access.service.ts';
import { MedicineRepository } from './medicine.repository.ts';
import { Prescription, type AppointmentReplica } from './prescription.entity.ts';
import { PRESCRIPTION_TOPIC, PrescriptionEvent, type PrescriptionEventPayload } from './prescription.events.ts';
import type { IssuePrescriptionInput } from './prescription.inputs.ts';
import { PrescriptionRepository } from './prescription.repository.ts';
import { prescribeRefusal, sourceIdentifierOf, type PrescribeRefusal } from './prescription.rules.ts';

/** Prescriptions are listed newest first by (issued at, id). */
const ISSUED_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

/** What the services of this subgraph work with. */
export interface ClinicalServiceDependencies {
  em: EntityManager;
  actor: Actor;
  clock: () => Date;
  access: ClinicalAccess;
}

/** The prescription as its events carry it: ids and times, no medicine text (ISO 8601 UTC). */
export const prescriptionPayloadOf = (prescription: Prescription): PrescriptionEventPayload => ({
  prescriptionId: prescription.id,
  patientId: prescription.patientId,
  doctorId: prescription.doctorId,
  appointmentId: prescription.appointmentId ?? null,
  medicineId: prescription.medicine?.id ?? null,
  issuedAt: prescription.issuedAt.toISOString(),
  identifier: sourceIdentifierOf(prescription),
});

const PRESCRIBE_REFUSALS: Record<PrescribeRefusal, string> = {
  NOT_THE_DOCTOR: 'You may prescribe only in your own appointments.',
  NOT_SEEN: 'You may prescribe only once the patient is checked in, or after the appointment is completed.',
};

/** Prescriptions as a request sees them: reads scoped by SPEC §2, issuing by the appointment's doctor. */
export class PrescriptionService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;
  readonly #access: ClinicalAccess;

  constructor(deps: ClinicalServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
    this.#access = deps.access;
  }

  /**
   * `Appointment.prescriptions`: the prescriptions of an appointment (oldest first) for its patient and the
   * patient's doctors. Whose appointment it is comes from the replica, so that an appointment without prescriptions
   * is refused to others as well; one this subgraph has never heard of has none.
   *
   * @throws ForbiddenError for anyone else.
   */
  async readableOfAppointment(
    appointment: AppointmentReplica | null,
    prescriptions: Prescription[],
  ): Promise<Prescription[]> {
    const patientId = appointment?.patientId ?? prescriptions[0]?.patientId;
    if (patientId) await this.#access.authorizeRead(patientId);
    await this.#access.authorizeReadAll(prescriptions);
    return prescriptions;
  }

  /**
   * `Patient.prescriptions`: a patient's prescriptions, newest first.
   *
   * @throws ForbiddenError unless the caller is the patient or one of their doctors; BadUserInputError for a bad
   *   `first` or `after`.
   */
  async listOfPatient(patientId: string, page: PageArgs): Promise<Connection<Prescription>> {
    const [connection] = await this.listOfPatients([patientId], page);
    if (connection instanceof Error) throw connection;
    return connection!;
  }

  /**
   * `Patient.prescriptions` of many patients at once (a page of patients): each one's page as `listOfPatient` reads
   * it, authorized per patient (the care relationships in one query), the readable ones' pages in one statement and
   * their counts in one more when asked. A refusal comes before a bad `first` or `after`, as in `listOfPatient`.
   *
   * @returns one connection per patient id, in order; in place of a patient the caller may not read, a
   *   ForbiddenError, else a BadUserInputError for a bad `first` or `after`.
   */
  async listOfPatients(patientIds: readonly string[], page: PageArgs): Promise<(Connection<Prescription> | Error)[]> {
    const refusals = await this.#access.refusals(patientIds);
    let request: PageRequest;
    try {
      request = pageRequest(page, ISSUED_CURSOR);
    } catch (error) {
      return patientIds.map((patientId) => refusals.get(patientId) ?? (error as Error));
    }
    const readable = patientIds.filter((patientId) => !refusals.has(patientId));
    const repository = new PrescriptionRepository(this.#em);
    const rows = Map.groupBy(await repository.pagesOfPatients(readable, request), (row) => row.patientId);
    const count = countsPerParent(readable, (ids) => repository.countPerPatient(ids));
    return patientIds.map(
      (patientId) =>
        refusals.get(patientId) ??
        toConnection(
          rows.get(patientId) ?? [],
          request,
          (prescription) => [prescription.issuedAt.toISOString(), prescription.id],
          () => count(patientId),
        ),
    );
  }

  /**
   * Prescribes for the patient of one of the caller's appointments, now. A catalogue medicine is copied by name,
   * so that the prescription keeps what was prescribed whatever later happens to the catalogue. Emits
   * `PrescriptionIssued`.
   *
   * @throws ForbiddenError when the caller is not a doctor, not the appointment's doctor, or the appointment is
   *   not `CHECKED_IN` or `COMPLETED`; NotFoundError for an appointment this subgraph does not know;
   *   BadUserInputError for an unknown or withdrawn medicine.
   */
  async issue(input: IssuePrescriptionInput): Promise<Prescription> {
    const doctorId = this.#access.requireDoctor();
    return this.#em.transactional(async (em) => {
      const appointment = await new PrescriptionRepository(em).appointment(input.appointmentId);
      if (!appointment) throw new NotFoundError('Appointment', input.appointmentId);
      const refusal = prescribeRefusal(appointment, doctorId);
      if (refusal) throw new ForbiddenError(PRESCRIBE_REFUSALS[refusal]);

      const medicine = input.medicineId ? await new MedicineRepository(em).findById(input.medicineId) : null;
      if (input.medicineId && !medicine?.active) {
        throw new BadUserInputError(
          `input.medicineId: ${medicine ? 'this medicine was withdrawn from the catalogue' : 'no such medicine'}`,
          'input.medicineId',
        );
      }
      const prescription = em.create(Prescription, {
        patientId: appointment.patientId,
        doctorId,
        appointmentId: appointment.appointmentId,
        medicine,
        medicationText: medicine?.name ?? input.medicationText!,
        doseValue: input.dose.value,
        doseUnit: input.dose.unit,
        timesPerDay: input.timesPerDay,
        durationDays: input.durationDays,
        instructions: input.instructions,
        reasonSystem: input.reason?.system ?? null,
        reasonCode: input.reason?.code ?? null,
        reasonDisplay: input.reason?.display ?? null,
        issuedAt: this.#clock(),
        identifierSystem: null,
        identifierValue: null,
      });
      emitEvent(em, PRESCRIPTION_TOPIC, this.#actor, {
        type: PrescriptionEvent.PrescriptionIssued,
        aggregateId: prescription.patientId,
        payload: prescriptionPayloadOf(prescription),
      });
      return prescription;
    });
  }
}
