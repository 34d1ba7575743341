/**
 * Patient registration and records: who may read or change which patient (SPEC §2), MRN assignment, archiving,
 * and the `patient-events` every change raises, written in the same transaction as the change. Those events carry
 * ids and state, and the patient's name and contact points (`contact`), which the notifications subgraph needs to
 * greet and reach them; no other demographics.
 */
import { hasAnyRole, type Principal } from '../../platform/auth/principal.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import {
  idCursor,
  pageRequest,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../platform/graphql/pagination.ts';
import { dateIn } from '../../platform/time.ts';
import { Patient, PatientIdentifier } from './patient.entity.ts';
import { PATIENT_TOPIC, PatientEvent, type PatientEventPayload, type UserSignedUpPayload } from './patient.events.ts';
import { SELF_SERVICE_FIELDS, type RegisterPatientInput, type UpdatePatientInput } from './patient.inputs.ts';
import { PatientRepository, type PatientSearch } from './patient.repository.ts';
import { datesProblem, mrnFromSequence } from './patient.rules.ts';

/** Roles that may read every patient's demographics (SPEC §2). */
const STAFF_READERS = ['ADMIN', 'RECEPTION', 'BILLING'] as const;
/** Roles that may register and change any patient (SPEC §2). */
const STAFF_WRITERS = ['ADMIN', 'RECEPTION'] as const;

export interface PatientServiceDependencies {
  em: EntityManager;
  actor: Actor;
  clock: () => Date;
  /** Hospital time zone: "today" for date checks is the date there. */
  timeZone: string;
  /** For a doctor caller: whether a patient is one of theirs (batched per request). */
  isPatientOfCaller?: (patientId: string) => Promise<boolean>;
}

const payloadOf = (patient: Patient): PatientEventPayload => ({
  patientId: patient.id,
  mrn: patient.mrn,
  active: patient.archivedAt === null,
  deceased: patient.deceasedDate !== null,
  contact: {
    givenName: patient.givenName,
    familyName: patient.familyName,
    email: patient.email ?? null,
    phone: patient.phone ?? null,
  },
});

export class PatientService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;
  readonly #timeZone: string;
  readonly #isPatientOfCaller: (patientId: string) => Promise<boolean>;

  constructor(deps: PatientServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
    this.#timeZone = deps.timeZone;
    this.#isPatientOfCaller = deps.isPatientOfCaller ?? (async () => false);
  }

  /**
   * A patient, or null when there is none.
   *
   * @throws ForbiddenError when the caller may not read this patient (a patient asking for someone else).
   */
  async get(id: string): Promise<Patient | null> {
    await this.authorizeRead(id);
    return new PatientRepository(this.#em).findById(id);
  }

  /**
   * A page of patients matching `search`: every patient for staff, a doctor's own patients for a doctor.
   *
   * @throws ForbiddenError for anyone else.
   */
  async search(search: PatientSearch, page: PageArgs): Promise<Connection<Patient>> {
    const principal = this.#actor.principal;
    if (!hasAnyRole(principal, STAFF_READERS)) {
      if (!principal?.roles.includes('DOCTOR') || !principal.doctorId)
        throw new ForbiddenError('You may not list patients.');
      search = { ...search, doctorId: principal.doctorId };
    }
    const request = pageRequest(page, idCursor);
    const repository = new PatientRepository(this.#em);
    const rows = await repository.searchPage(search, request);
    return toConnection(
      rows,
      request,
      (patient) => [patient.id],
      () => repository.countSearch(search),
    );
  }

  /** Patients with any of `values` as identifier of `system`. */
  async byIdentifiers(system: string, values: readonly string[]): Promise<Patient[]> {
    return new PatientRepository(this.#em).findByIdentifiers(system, values);
  }

  /**
   * Registers a patient with a new MRN and emits `PatientRegistered`.
   *
   * @throws BadUserInputError when the dates are inconsistent.
   * @throws CONFLICT (from the unique constraint, mapped by the transport) when an identifier is registered.
   */
  async register(input: RegisterPatientInput, id?: string): Promise<Patient> {
    this.#assertDates(input);
    return this.#em.transactional((em) => this.#create(em, input, id));
  }

  /**
   * Creates the patient record of a self sign-up (`UserSignedUp`), under the id identity reserved for it.
   * Runs inside the consumer's transaction; does nothing if that patient already exists.
   */
  async registerFromSignUp(em: EntityManager, signUp: UserSignedUpPayload): Promise<void> {
    if (await new PatientRepository(em).findById(signUp.patientId)) return;
    await this.#create(
      em,
      {
        givenName: signUp.givenName,
        familyName: signUp.familyName,
        birthDate: signUp.birthDate,
        sex: 'UNKNOWN',
        email: signUp.email,
        phone: signUp.phone ?? null,
      },
      signUp.patientId,
    );
  }

  /**
   * Changes the given fields and emits `PatientUpdated`. Patients may change only their own contact data.
   *
   * @throws NotFoundError, ForbiddenError, BadUserInputError; ConflictError on a concurrent update.
   */
  async update(id: string, input: UpdatePatientInput): Promise<Patient> {
    const principal = this.#actor.principal;
    const isStaff = hasAnyRole(principal, STAFF_WRITERS);
    if (!isStaff) {
      if (principal?.patientId !== id) throw new ForbiddenError('Patients may change only their own record.');
      const other = Object.entries(input).find(
        ([field, value]) => value !== undefined && !SELF_SERVICE_FIELDS.has(field as keyof UpdatePatientInput),
      );
      if (other) throw new ForbiddenError(`Patients may change only their contact data, not ${other[0]}.`);
    }
    return this.#em.transactional(async (em) => {
      const patient = await new PatientRepository(em).findById(id);
      if (!patient) throw new NotFoundError('Patient', id);
      const changes = Object.fromEntries(
        Object.entries(input).filter(([, value]) => value !== undefined && value !== null),
      );
      // Explicit nulls clear optional fields; required ones (names, birth date, sex) cannot be cleared.
      for (const field of ['deceasedDate', 'email', 'phone', 'address'] as const) {
        if (input[field] === null) Object.assign(changes, { [field]: null });
      }
      em.assign(patient, changes);
      this.#assertDates(patient);
      emitEvent(em, PATIENT_TOPIC, this.#actor, {
        type: PatientEvent.Updated,
        aggregateId: patient.id,
        payload: { ...payloadOf(patient), changedFields: Object.keys(changes) },
      });
      return patient;
    });
  }

  /**
   * Archives a patient (never erases): marks the record inactive and emits `PatientArchived`. Archiving an
   * archived patient changes nothing.
   *
   * @throws NotFoundError
   */
  async archive(id: string): Promise<Patient> {
    return this.#em.transactional(async (em) => {
      const patient = await new PatientRepository(em).findById(id);
      if (!patient) throw new NotFoundError('Patient', id);
      if (patient.archivedAt) return patient;
      patient.archivedAt = this.#clock();
      emitEvent(em, PATIENT_TOPIC, this.#actor, {
        type: PatientEvent.Archived,
        aggregateId: patient.id,
        payload: payloadOf(patient),
      });
      return patient;
    });
  }

  async #create(em: EntityManager, input: RegisterPatientInput, id?: string): Promise<Patient> {
    const repository = new PatientRepository(em);
    const mrn = mrnFromSequence(await repository.nextMrnNumber());
    const patient = em.create(Patient, {
      ...(id ? { id } : {}),
      mrn,
      givenName: input.givenName,
      familyName: input.familyName,
      birthDate: input.birthDate,
      deceasedDate: input.deceasedDate ?? null,
      sex: input.sex,
      email: input.email ?? null,
      phone: input.phone ?? null,
      address: input.address ?? null,
      archivedAt: null,
    });
    for (const identifier of input.identifiers ?? []) {
      em.create(PatientIdentifier, { patient, system: identifier.system, value: identifier.value });
    }
    emitEvent(em, PATIENT_TOPIC, this.#actor, {
      type: PatientEvent.Registered,
      aggregateId: patient.id,
      payload: payloadOf(patient),
    });
    await em.flush();
    return patient;
  }

  #assertDates(dates: { birthDate: string; deceasedDate?: string | null }): void {
    const problem = datesProblem(dates, dateIn(this.#timeZone, this.#clock()));
    if (problem) throw new BadUserInputError(`input.${problem.field}: ${problem.message}`, `input.${problem.field}`);
  }

  /**
   * Checks that the caller may read this patient, without loading it (SPEC §2): staff readers every patient, a
   * patient themself, a doctor the patients they have or had an appointment with.
   *
   * @throws ForbiddenError
   */
  async authorizeRead(patientId: string): Promise<void> {
    const principal = this.#actor.principal;
    if (mayReadPatient(principal, patientId)) return;
    if (principal?.roles.includes('DOCTOR') && principal.doctorId && (await this.#isPatientOfCaller(patientId))) return;
    throw new ForbiddenError('You may not read this patient.');
  }
}

/** SPEC §2, without the care relationships: staff readers see every patient; a patient sees only themselves. */
export function mayReadPatient(principal: Principal | null, patientId: string): boolean {
  return hasAnyRole(principal, STAFF_READERS) || principal?.patientId === patientId;
}
