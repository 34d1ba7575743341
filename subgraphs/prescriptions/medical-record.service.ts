/**
 * Reading and writing medical records (SPEC §2, §5). A doctor writes entries for a patient of their own appointment
 * (or one they have or had an appointment with); entries are never changed: a correction is a new entry that
 * supersedes the old one, which stays readable. The patient and their doctors read the record.
 * `MedicalRecordEntryAdded` is written in the same transaction, through the outbox.
 */
import { z } from 'zod';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
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
import { MedicalRecordEntry } from './medical-record.entity.ts';
import type { AddMedicalRecordEntryInput, MedicalRecordFilter } from './medical-record.inputs.ts';
import { MedicalRecordRepository } from './medical-record.repository.ts';
import { supersedeRefusal, type SupersedeRefusal } from './medical-record.rules.ts';
import { PRESCRIPTION_TOPIC, PrescriptionEvent, type MedicalRecordEntryEventPayload } from './prescription.events.ts';
import { PrescriptionRepository } from './prescription.repository.ts';
import { isInFuture, sourceIdentifierOf } from './prescription.rules.ts';
import type { ClinicalServiceDependencies } from './prescription.service.ts';

/** Entries are listed newest effective first by (effective at, id). */
const EFFECTIVE_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

/** The entry as its events carry it: ids, kind and times, no clinical content (ISO 8601 UTC). */
export const entryPayloadOf = (entry: MedicalRecordEntry): MedicalRecordEntryEventPayload => ({
  entryId: entry.id,
  patientId: entry.patientId,
  kind: entry.kind,
  authorId: entry.authorId,
  appointmentId: entry.appointmentId ?? null,
  supersedesId: entry.supersedesId ?? null,
  effectiveAt: entry.effectiveAt.toISOString(),
  recordedAt: entry.recordedAt.toISOString(),
  identifier: sourceIdentifierOf(entry),
});

const SUPERSEDE_REFUSALS: Record<SupersedeRefusal, string> = {
  OTHER_PATIENT: "input.supersedesId: the entry it corrects is another patient's",
  OTHER_KIND: 'input.supersedesId: the entry it corrects is of another kind',
};

/** Medical records as a request sees them: reads scoped by SPEC §2, entries and corrections by doctors. */
export class MedicalRecordService {
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
   * `Patient.medicalRecords`: newest effective first, current entries only unless `filter.includeSuperseded`.
   *
   * @throws ForbiddenError unless the caller is the patient or one of their doctors; BadUserInputError for a bad
   *   `first` or `after`.
   */
  async listOfPatient(
    patientId: string,
    filter: MedicalRecordFilter,
    page: PageArgs,
  ): Promise<Connection<MedicalRecordEntry>> {
    const [connection] = await this.listOfPatients([patientId], filter, page);
    if (connection instanceof Error) throw connection;
    return connection!;
  }

  /**
   * `Patient.medicalRecords` of many patients at once (a page of patients), with one `filter`: each one's page as
   * `listOfPatient` reads it, authorized per patient (the care relationships in one query), the readable ones' pages
   * in one statement and their counts in one more when asked. A refusal comes before a bad `first` or `after`.
   *
   * @returns one connection per patient id, in order; in place of a patient the caller may not read, a
   *   ForbiddenError, else a BadUserInputError for a bad `first` or `after`.
   */
  async listOfPatients(
    patientIds: readonly string[],
    filter: MedicalRecordFilter,
    page: PageArgs,
  ): Promise<(Connection<MedicalRecordEntry> | Error)[]> {
    const refusals = await this.#access.refusals(patientIds);
    let request: PageRequest;
    try {
      request = pageRequest(page, EFFECTIVE_CURSOR);
    } catch (error) {
      return patientIds.map((patientId) => refusals.get(patientId) ?? (error as Error));
    }
    const readable = patientIds.filter((patientId) => !refusals.has(patientId));
    const repository = new MedicalRecordRepository(this.#em);
    const rows = Map.groupBy(await repository.pagesOfPatients(readable, filter, request), (row) => row.patientId);
    const count = countsPerParent(readable, (ids) => repository.countPerPatient(ids, filter));
    return patientIds.map(
      (patientId) =>
        refusals.get(patientId) ??
        toConnection(
          rows.get(patientId) ?? [],
          request,
          (entry) => [entry.effectiveAt.toISOString(), entry.id],
          () => count(patientId),
        ),
    );
  }

  /**
   * Adds an entry written by the calling doctor, effective at `input.effectiveAt` (default: now). With an
   * appointment, it must be the caller's and the patient's; without, the caller must have or have had an
   * appointment with the patient. A correction (`supersedesId`) names an entry of the same patient and kind that
   * nothing corrects yet; of two corrections racing for one entry, `medical_record_entry_supersedes_key` lets one
   * commit (the other fails with a unique violation, `CONFLICT` at the transport). Emits `MedicalRecordEntryAdded`.
   *
   * @throws ForbiddenError (not a doctor, no care relationship, not the caller's appointment or not the
   *   patient's); NotFoundError (the appointment or the corrected entry); ConflictError (corrected already);
   *   BadUserInputError (`effectiveAt` in the future, a correction of another patient's or kind's entry).
   */
  async add(input: AddMedicalRecordEntryInput): Promise<MedicalRecordEntry> {
    const doctorId = this.#access.requireDoctor();
    const now = this.#clock();
    if (input.effectiveAt && isInFuture(input.effectiveAt, now)) {
      throw new BadUserInputError('input.effectiveAt: must not be in the future', 'input.effectiveAt');
    }
    // Through the request's care-relationship loader, before the transaction: a care relationship, once recorded,
    // is never withdrawn, and the embedded database has one session, which the transaction would be holding.
    if (!input.appointmentId) await this.#access.requireCareRelationship(doctorId, input.patientId);
    return this.#em.transactional(async (em) => {
      if (input.appointmentId) {
        const appointment = await new PrescriptionRepository(em).appointment(input.appointmentId);
        if (!appointment) throw new NotFoundError('Appointment', input.appointmentId);
        if (appointment.doctorId !== doctorId) {
          throw new ForbiddenError('You may write records only in your own appointments.');
        }
        if (appointment.patientId !== input.patientId) {
          throw new ForbiddenError('This appointment is not with this patient.');
        }
      }

      const records = new MedicalRecordRepository(em);
      if (input.supersedesId) {
        const target = await records.findById(input.supersedesId);
        if (!target) throw new NotFoundError('MedicalRecordEntry', input.supersedesId);
        const refusal = supersedeRefusal(target, input);
        if (refusal) throw new BadUserInputError(SUPERSEDE_REFUSALS[refusal], 'input.supersedesId');
        if (await records.isSuperseded(target.id)) {
          throw new ConflictError('This entry was corrected already: correct its newest correction instead.');
        }
      }

      const entry = em.create(MedicalRecordEntry, {
        patientId: input.patientId,
        appointmentId: input.appointmentId,
        authorId: doctorId,
        kind: input.kind,
        codeSystem: input.code?.system ?? null,
        code: input.code?.code ?? null,
        codeDisplay: input.code?.display ?? null,
        data: input.data,
        effectiveAt: input.effectiveAt ?? now,
        recordedAt: now,
        supersedesId: input.supersedesId,
        identifierSystem: null,
        identifierValue: null,
      });
      emitEvent(em, PRESCRIPTION_TOPIC, this.#actor, {
        type: PrescriptionEvent.MedicalRecordEntryAdded,
        aggregateId: entry.patientId,
        payload: entryPayloadOf(entry),
      });
      return entry;
    });
  }
}
