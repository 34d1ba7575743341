/**
 * Who may read and write a patient's clinical data (SPEC §2), for every service of this subgraph and every path
 * into it (root fields, `Patient.*`, `Appointment.prescriptions`, nested entries, `_entities`):
 *
 * - read: the patient themself, or a doctor who has or had an appointment with the patient (a care relationship,
 *   learnt from `appointment-events`); nobody else, whatever their role;
 * - write: a doctor, for patients of their own appointments (the services check the appointment or the care
 *   relationship);
 * - the medicine catalogue and history imports: admins.
 *
 * Care relationships are looked up through `isPatientOfCaller`, a per-request DataLoader, so a page of entries or
 * a batch of references costs one query however many objects it checks.
 */
import { hasAnyRole } from '../../platform/auth/principal.ts';
import { ForbiddenError } from '../../platform/errors.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { callerDoctorId, isOwnRecord } from './prescription.rules.ts';

export interface ClinicalAccessDependencies {
  actor: Actor;
  /** Whether the calling doctor has or had an appointment with `patientId` (false for other callers). */
  isPatientOfCaller: (patientId: string) => Promise<boolean>;
}

const readRefusal = () => new ForbiddenError("You may not read this patient's prescriptions or medical record.");

/** The clinical access rules of SPEC §2 for one request's caller. */
export class ClinicalAccess {
  readonly #actor: Actor;
  readonly #isPatientOfCaller: (patientId: string) => Promise<boolean>;

  constructor(deps: ClinicalAccessDependencies) {
    this.#actor = deps.actor;
    this.#isPatientOfCaller = deps.isPatientOfCaller;
  }

  /** Whether the caller may read the clinical data of `patientId` (SPEC §2). */
  async mayRead(patientId: string): Promise<boolean> {
    const principal = this.#actor.principal;
    if (isOwnRecord(principal, patientId)) return true;
    return callerDoctorId(principal) !== null && (await this.#isPatientOfCaller(patientId));
  }

  /** @throws ForbiddenError unless the caller may read the clinical data of `patientId`. */
  async authorizeRead(patientId: string): Promise<void> {
    if (!(await this.mayRead(patientId))) throw readRefusal();
  }

  /**
   * The patients of `patientIds` whose clinical data the caller may not read, each with the ForbiddenError
   * `authorizeRead` would throw; the care relationships of all of them are looked up in one query.
   */
  async refusals(patientIds: readonly string[]): Promise<Map<string, ForbiddenError>> {
    const allowed = await Promise.all(patientIds.map((patientId) => this.mayRead(patientId)));
    return new Map(
      patientIds.flatMap((patientId, index) => (allowed[index] ? [] : [[patientId, readRefusal()] as const])),
    );
  }

  /** `record`, or null, once the caller is authorized to read it. @throws ForbiddenError */
  async readable<Record extends { patientId: string }>(record: Record | null): Promise<Record | null> {
    if (record) await this.authorizeRead(record.patientId);
    return record;
  }

  /** `authorizeRead` of every distinct patient of `records`. @throws ForbiddenError when any is refused. */
  async authorizeReadAll(records: readonly { patientId: string }[]): Promise<void> {
    await Promise.all([...new Set(records.map((record) => record.patientId))].map((id) => this.authorizeRead(id)));
  }

  /**
   * The calling doctor's id.
   *
   * @throws ForbiddenError unless the caller acts as a doctor (role `DOCTOR` with a linked doctor profile).
   */
  requireDoctor(): string {
    const doctorId = callerDoctorId(this.#actor.principal);
    if (!doctorId) throw new ForbiddenError('Only a doctor with a doctor profile may write prescriptions and records.');
    return doctorId;
  }

  /** @throws ForbiddenError unless the calling doctor has or had an appointment with `patientId`. */
  async requireCareRelationship(doctorId: string, patientId: string): Promise<void> {
    if (callerDoctorId(this.#actor.principal) !== doctorId || !(await this.#isPatientOfCaller(patientId))) {
      throw new ForbiddenError('You may write only to the records of patients you have or had an appointment with.');
    }
  }

  /** @throws ForbiddenError unless the caller is an admin (the catalogue and history imports). */
  requireAdmin(): void {
    if (!hasAnyRole(this.#actor.principal, ['ADMIN'])) throw new ForbiddenError('Only an admin may do this.');
  }
}
