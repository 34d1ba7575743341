/**
 * Departments and doctors: reads for every signed-in role, writes for admins (SPEC §2, enforced by the schema's
 * `@access`), and the `doctor-events` that keep other subgraphs' copies current (scheduling state, and the name and
 * contact points the notifications subgraph needs).
 */
import { z } from 'zod';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { countsPerParent } from '../../platform/graphql/loaders.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import { Department } from './department.entity.ts';
import { Doctor, DoctorIdentifier } from './doctor.entity.ts';
import { DOCTOR_TOPIC, DoctorEvent, type DoctorEventPayload } from './doctor.events.ts';
import type {
  CreateDepartmentInput,
  CreateDoctorInput,
  DoctorAvailabilityInput,
  DoctorFilter,
  UpdateDoctorInput,
} from './doctor.inputs.ts';
import { DoctorRepository } from './doctor.repository.ts';

export interface DoctorServiceDependencies {
  em: EntityManager;
  actor: Actor;
  /** ISO 4217 currency of consultation fees. */
  currency: string;
}

/** Doctors are listed by (family name, given name, id). */
const NAME_CURSOR = z.tuple([z.string(), z.string(), z.uuid()]);

const payloadOf = (doctor: Doctor): DoctorEventPayload => ({
  doctorId: doctor.id,
  departmentId: doctor.department.id,
  specialization: doctor.specialization,
  consultationFee: { amount: doctor.consultationFeeAmount, currency: doctor.feeCurrency },
  active: doctor.active,
  weeklyHours: doctor.weeklyHours ?? null,
  timeOff: doctor.timeOff,
  contact: {
    givenName: doctor.givenName,
    familyName: doctor.familyName,
    email: doctor.email ?? null,
    phone: doctor.phone ?? null,
  },
});

export class DoctorService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #currency: string;

  constructor(deps: DoctorServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#currency = deps.currency;
  }

  doctor(id: string): Promise<Doctor | null> {
    return new DoctorRepository(this.#em).findDoctor(id);
  }

  department(id: string): Promise<Department | null> {
    return new DoctorRepository(this.#em).findDepartment(id);
  }

  departments(): Promise<Department[]> {
    return new DoctorRepository(this.#em).allDepartments();
  }

  byIdentifiers(system: string, values: readonly string[]): Promise<Doctor[]> {
    return new DoctorRepository(this.#em).findByIdentifiers(system, values);
  }

  /** A page of doctors matching `filter`, by name. @throws BadUserInputError for bad paging arguments. */
  async list(filter: DoctorFilter, page: PageArgs): Promise<Connection<Doctor>> {
    const request = pageRequest(page, NAME_CURSOR);
    const repository = new DoctorRepository(this.#em);
    const rows = await repository.page(filter, request);
    return toConnection(
      rows,
      request,
      (doctor) => [doctor.familyName, doctor.givenName, doctor.id],
      () => repository.count(filter),
    );
  }

  /**
   * `Department.doctors` of many departments at once (every department of `departments`): each one's page by name as
   * `list` reads it, in one statement for all of them, their counts in one more when asked.
   *
   * @returns one connection per department id, in order. @throws BadUserInputError for bad paging arguments.
   */
  async listOfDepartments(departmentIds: readonly string[], page: PageArgs): Promise<Connection<Doctor>[]> {
    const request = pageRequest(page, NAME_CURSOR);
    const repository = new DoctorRepository(this.#em);
    const rows = Map.groupBy(
      await repository.pagesPerDepartment(departmentIds, request),
      (doctor) => doctor.department.id,
    );
    const count = countsPerParent(departmentIds, (ids) => repository.countPerDepartment(ids));
    return departmentIds.map((departmentId) =>
      toConnection(
        rows.get(departmentId) ?? [],
        request,
        (doctor) => [doctor.familyName, doctor.givenName, doctor.id],
        () => count(departmentId),
      ),
    );
  }

  /** Creates a department and emits `DepartmentCreated`. @throws CONFLICT (constraint) for a taken name or code. */
  async createDepartment(input: CreateDepartmentInput): Promise<Department> {
    return this.#em.transactional(async (em) => {
      const department = em.create(Department, {
        name: input.name,
        code: input.code,
        description: input.description ?? null,
      });
      emitEvent(em, DOCTOR_TOPIC, this.#actor, {
        type: DoctorEvent.DepartmentCreated,
        aggregateId: department.id,
        payload: { departmentId: department.id, name: department.name, code: department.code },
      });
      return department;
    });
  }

  /**
   * Creates a doctor in the hospital's currency and emits `DoctorCreated`.
   *
   * @throws BadUserInputError when the department does not exist.
   */
  async createDoctor(input: CreateDoctorInput): Promise<Doctor> {
    return this.#em.transactional(async (em) => {
      const department = await this.#departmentOrFail(em, input.departmentId);
      const doctor = em.create(Doctor, {
        givenName: input.givenName,
        familyName: input.familyName,
        department,
        specialization: input.specialization,
        consultationFeeAmount: input.consultationFeeAmount,
        feeCurrency: this.#currency,
        email: input.email ?? null,
        phone: input.phone ?? null,
        active: true,
        weeklyHours: null,
        timeOff: [],
      });
      for (const identifier of input.identifiers ?? []) {
        em.create(DoctorIdentifier, { doctor, system: identifier.system, value: identifier.value });
      }
      emitEvent(em, DOCTOR_TOPIC, this.#actor, {
        type: DoctorEvent.DoctorCreated,
        aggregateId: doctor.id,
        payload: payloadOf(doctor),
      });
      return doctor;
    });
  }

  /**
   * Changes the given fields and emits `DoctorUpdated`.
   *
   * @throws NotFoundError for an unknown doctor; BadUserInputError for an unknown department.
   */
  async updateDoctor(id: string, input: UpdateDoctorInput): Promise<Doctor> {
    return this.#em.transactional(async (em) => {
      const doctor = await new DoctorRepository(em).findDoctor(id);
      if (!doctor) throw new NotFoundError('Doctor', id);
      const { departmentId, ...rest } = input;
      if (departmentId) doctor.department = await this.#departmentOrFail(em, departmentId);
      const changes = Object.fromEntries(
        Object.entries(rest).filter(([, value]) => value !== undefined && value !== null),
      );
      for (const field of ['email', 'phone'] as const) {
        if (input[field] === null) Object.assign(changes, { [field]: null });
      }
      em.assign(doctor, changes);
      emitEvent(em, DOCTOR_TOPIC, this.#actor, {
        type: DoctorEvent.DoctorUpdated,
        aggregateId: doctor.id,
        payload: payloadOf(doctor),
      });
      return doctor;
    });
  }

  /**
   * Replaces a doctor's weekly working hours and time off (FHIR `PractitionerRole.availableTime` / `notAvailable`)
   * and emits `DoctorAvailabilitySet`. A doctor may set only their own; admins anyone's (SPEC §2).
   *
   * @throws ForbiddenError for another doctor's; NotFoundError; BadUserInputError (validated in `doctor.inputs.ts`).
   */
  async setAvailability(doctorId: string, availability: DoctorAvailabilityInput): Promise<Doctor> {
    const principal = this.#actor.principal;
    if (!principal?.roles.includes('ADMIN') && principal?.doctorId !== doctorId) {
      throw new ForbiddenError('Doctors may set only their own availability.');
    }
    return this.#em.transactional(async (em) => {
      const doctor = await new DoctorRepository(em).findDoctor(doctorId);
      if (!doctor) throw new NotFoundError('Doctor', doctorId);
      doctor.weeklyHours = availability.weeklyHours;
      doctor.timeOff = availability.timeOff.map((off) => ({
        startsAt: off.startsAt.toISOString(),
        endsAt: off.endsAt.toISOString(),
        reason: off.reason ?? null,
      }));
      emitEvent(em, DOCTOR_TOPIC, this.#actor, {
        type: DoctorEvent.DoctorAvailabilitySet,
        aggregateId: doctor.id,
        payload: payloadOf(doctor),
      });
      return doctor;
    });
  }

  async #departmentOrFail(em: EntityManager, id: string): Promise<Department> {
    const department = await new DoctorRepository(em).findDepartment(id);
    if (!department) throw new BadUserInputError(`input.departmentId: no department ${id}`, 'input.departmentId');
    return department;
  }
}
