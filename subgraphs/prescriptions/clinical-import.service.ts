/**
 * History imports (`importPrescriptions`, `importMedicalRecordEntries`; admins): prescriptions and record entries
 * kept by another system, e.g. Synthea's `medications.csv` and `conditions.csv`, 1–100 rows a call.
 *
 * Every row is checked before anything is written (bounds by the input schemas; here: times not in the future,
 * patients this subgraph knows from `patient-events`, medicines of the catalogue), then all rows are written in one
 * transaction, all or none. Each row is identified by its source identifier, unique per table: rows stored before
 * (by an earlier run, or by a concurrent one that committed first) are skipped by `on conflict do nothing` and
 * reported with `created: false`, so a rerun adds nothing and two identical imports racing neither fail nor
 * duplicate. Only created rows raise `PrescriptionImported` / `MedicalRecordEntryImported`.
 */
import { newId } from '../../platform/db/base.entity.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import type { ClinicalAccess } from './clinical-access.service.ts';
import type { ImportMedicalRecordEntriesInput } from './medical-record.inputs.ts';
import { MedicalRecordRepository, type ImportedEntryRow } from './medical-record.repository.ts';
import { MedicineRepository } from './medicine.repository.ts';
import {
  PRESCRIPTION_TOPIC,
  PrescriptionEvent,
  type MedicalRecordEntryEventPayload,
  type PrescriptionEventPayload,
} from './prescription.events.ts';
import { fieldPath, type ImportPrescriptionsInput } from './prescription.inputs.ts';
import { PrescriptionRepository, type ImportedPrescriptionRow } from './prescription.repository.ts';
import { identifierKey, isInFuture } from './prescription.rules.ts';
import type { ClinicalServiceDependencies } from './prescription.service.ts';

/** One input row's outcome, in input order. */
export interface ImportedRecord {
  identifier: { system: string; value: string };
  id: string;
  created: boolean;
}

/** What an import did (GraphQL `ImportResult`). */
export interface ImportResult {
  created: number;
  existing: number;
  items: ImportedRecord[];
}

/** @throws BadUserInputError naming `input.<rows>[i].<field>`. */
function refuseRow(rows: string, index: number, field: string, message: string): never {
  const path = fieldPath(['input', rows, index, field]);
  throw new BadUserInputError(`${path}: ${message}`, path);
}

/** Pairs each draft with the id now stored under its identifier: created when that is the draft's own id. */
function outcomes<Draft extends { id: string; identifierSystem: string; identifierValue: string }>(
  drafts: readonly Draft[],
  stored: Map<string, string>,
): { draft: Draft; record: ImportedRecord }[] {
  return drafts.map((draft) => {
    const identifier = { system: draft.identifierSystem, value: draft.identifierValue };
    const id = stored.get(identifierKey(identifier));
    // The insert either wrote the row or met a committed one with this identifier.
    if (!id) throw new Error(`imported row ${identifierKey(identifier)} is missing after its insert`);
    return { draft, record: { identifier, id, created: id === draft.id } };
  });
}

const resultOf = (records: readonly ImportedRecord[]): ImportResult => {
  const created = records.filter((record) => record.created).length;
  return { created, existing: records.length - created, items: [...records] };
};

/** History imports for admins, all or none per batch, idempotent by source identifier. */
export class ClinicalImportService {
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
   * Loads prescriptions of another system; each keeps its prescriber and time and has no appointment. A catalogue
   * medicine (withdrawn ones too: this is history) is copied by name. Emits `PrescriptionImported` per created row.
   *
   * @throws ForbiddenError unless an admin; BadUserInputError naming the row (`input.prescriptions[3].patientId`)
   *   for an unknown patient or medicine or a time in the future; nothing is written then.
   */
  async importPrescriptions(input: ImportPrescriptionsInput): Promise<ImportResult> {
    this.#access.requireAdmin();
    const rows = input.prescriptions;
    const now = this.#clock();
    rows.forEach((row, index) => {
      if (isInFuture(row.issuedAt, now)) refuseRow('prescriptions', index, 'issuedAt', 'must not be in the future');
    });
    return this.#em.transactional(async (em) => {
      const repository = new PrescriptionRepository(em);
      await this.#requireKnownPatients(repository, rows, 'prescriptions');
      const medicineIds = [...new Set(rows.flatMap((row) => (row.medicineId ? [row.medicineId] : [])))];
      const medicines = new Map(
        (medicineIds.length ? await new MedicineRepository(em).findByIds(medicineIds) : []).map((medicine) => [
          medicine.id,
          medicine,
        ]),
      );
      const drafts: ImportedPrescriptionRow[] = rows.map((row, index) => {
        const medicine = row.medicineId ? medicines.get(row.medicineId) : null;
        if (medicine === undefined) refuseRow('prescriptions', index, 'medicineId', 'no such medicine');
        return {
          id: newId(),
          patientId: row.patientId,
          doctorId: row.doctorId,
          medicine: medicine?.id ?? null,
          medicationText: medicine?.name ?? row.medicationText!,
          doseValue: row.dose?.value ?? null,
          doseUnit: row.dose?.unit ?? null,
          timesPerDay: row.timesPerDay,
          durationDays: row.durationDays,
          instructions: row.instructions,
          reasonSystem: row.reason?.system ?? null,
          reasonCode: row.reason?.code ?? null,
          reasonDisplay: row.reason?.display ?? null,
          issuedAt: row.issuedAt,
          identifierSystem: row.identifier.system,
          identifierValue: row.identifier.value,
        };
      });
      await repository.insertImported(drafts);
      const results = outcomes(drafts, await repository.idsByIdentifier(rows.map((row) => row.identifier)));
      for (const { draft, record } of results) {
        if (!record.created) continue;
        emitEvent(em, PRESCRIPTION_TOPIC, this.#actor, {
          type: PrescriptionEvent.PrescriptionImported,
          aggregateId: draft.patientId,
          payload: {
            prescriptionId: draft.id,
            patientId: draft.patientId,
            doctorId: draft.doctorId,
            appointmentId: null,
            medicineId: draft.medicine,
            issuedAt: draft.issuedAt.toISOString(),
            identifier: record.identifier,
          } satisfies PrescriptionEventPayload,
        });
      }
      return resultOf(results.map(({ record }) => record));
    });
  }

  /**
   * Loads medical record entries of another system, written by their source's doctor at `effectiveAt`, with no
   * appointment. Emits `MedicalRecordEntryImported` per created row.
   *
   * @throws ForbiddenError unless an admin; BadUserInputError naming the row (`input.entries[3].patientId`) for an
   *   unknown patient or an `effectiveAt` in the future; nothing is written then.
   */
  async importMedicalRecordEntries(input: ImportMedicalRecordEntriesInput): Promise<ImportResult> {
    this.#access.requireAdmin();
    const rows = input.entries;
    const now = this.#clock();
    rows.forEach((row, index) => {
      if (isInFuture(row.effectiveAt, now)) refuseRow('entries', index, 'effectiveAt', 'must not be in the future');
    });
    return this.#em.transactional(async (em) => {
      await this.#requireKnownPatients(new PrescriptionRepository(em), rows, 'entries');
      const repository = new MedicalRecordRepository(em);
      const drafts: ImportedEntryRow[] = rows.map((row) => ({
        id: newId(),
        patientId: row.patientId,
        authorId: row.doctorId,
        kind: row.kind,
        codeSystem: row.code?.system ?? null,
        code: row.code?.code ?? null,
        codeDisplay: row.code?.display ?? null,
        data: row.data,
        effectiveAt: row.effectiveAt,
        recordedAt: now,
        identifierSystem: row.identifier.system,
        identifierValue: row.identifier.value,
      }));
      await repository.insertImported(drafts);
      const results = outcomes(drafts, await repository.idsByIdentifier(rows.map((row) => row.identifier)));
      for (const { draft, record } of results) {
        if (!record.created) continue;
        emitEvent(em, PRESCRIPTION_TOPIC, this.#actor, {
          type: PrescriptionEvent.MedicalRecordEntryImported,
          aggregateId: draft.patientId,
          payload: {
            entryId: draft.id,
            patientId: draft.patientId,
            kind: draft.kind,
            authorId: draft.authorId,
            appointmentId: null,
            supersedesId: null,
            effectiveAt: draft.effectiveAt.toISOString(),
            recordedAt: draft.recordedAt.toISOString(),
            identifier: record.identifier,
          } satisfies MedicalRecordEntryEventPayload,
        });
      }
      return resultOf(results.map(({ record }) => record));
    });
  }

  /** @throws BadUserInputError naming the first row whose patient this subgraph has not learnt of. */
  async #requireKnownPatients(
    repository: PrescriptionRepository,
    rows: readonly { patientId: string }[],
    field: string,
  ): Promise<void> {
    const known = await repository.knownPatients([...new Set(rows.map((row) => row.patientId))]);
    rows.forEach((row, index) => {
      if (!known.has(row.patientId)) {
        refuseRow(
          field,
          index,
          'patientId',
          `no patient ${row.patientId} is known here (yet: patients arrive by event)`,
        );
      }
    });
  }
}
