/**
 * The medicine catalogue (FHIR `Medication`): every signed-in user reads it; admins add and change entries. A code
 * is unique per system (`medicine_code_key`, `CONFLICT` at the transport). `MedicineCreated` / `MedicineUpdated`
 * are written in the same transaction, through the outbox.
 */
import { z } from 'zod';
import type { EntityManager } from '../../platform/db/orm.ts';
import { NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { pageRequest, toConnection, type Connection, type PageArgs } from '../../platform/graphql/pagination.ts';
import type { ClinicalAccess } from './clinical-access.service.ts';
import { Medicine } from './medicine.entity.ts';
import { MedicineRepository } from './medicine.repository.ts';
import { PRESCRIPTION_TOPIC, PrescriptionEvent, type MedicineEventPayload } from './prescription.events.ts';
import type { CreateMedicineInput, MedicineSearch, UpdateMedicineInput } from './prescription.inputs.ts';
import type { CodeSystem } from './prescription.rules.ts';
import type { ClinicalServiceDependencies } from './prescription.service.ts';

/** The catalogue is listed in name order: (name, id). */
const NAME_CURSOR = z.tuple([z.string(), z.uuid()]);

/** The medicine after a change, as its events carry it. */
export const medicinePayloadOf = (medicine: Medicine): MedicineEventPayload => ({
  medicineId: medicine.id,
  name: medicine.name,
  strength: medicine.strength ?? null,
  form: medicine.form ?? null,
  code:
    medicine.codeSystem && medicine.code
      ? { system: medicine.codeSystem, code: medicine.code, display: medicine.codeDisplay ?? null }
      : null,
  active: medicine.active,
});

/** The catalogue as a request sees it: everyone signed in reads, admins write. */
export class MedicineService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #access: ClinicalAccess;

  constructor(deps: ClinicalServiceDependencies) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#access = deps.access;
  }

  /** The catalogue in name order, filtered. @throws BadUserInputError for a bad `first` or `after`. */
  async list(search: MedicineSearch, page: PageArgs): Promise<Connection<Medicine>> {
    const request = pageRequest(page, NAME_CURSOR);
    const repository = new MedicineRepository(this.#em);
    const rows = await repository.page(search, request);
    return toConnection(
      rows,
      request,
      (medicine) => [medicine.name, medicine.id],
      () => repository.count(search),
    );
  }

  /** The medicines coded with `codes` in `system`, withdrawn ones too, in the order of `codes`. */
  async byCodes(system: CodeSystem, codes: readonly string[]): Promise<Medicine[]> {
    if (codes.length === 0) return [];
    const byCode = new Map(
      (await new MedicineRepository(this.#em).byCodes(system, codes)).map((medicine) => [medicine.code, medicine]),
    );
    return [...new Set(codes)].flatMap((code) => byCode.get(code) ?? []);
  }

  /** Adds a medicine. Emits `MedicineCreated`. @throws ForbiddenError unless an admin. */
  async create(input: CreateMedicineInput): Promise<Medicine> {
    this.#access.requireAdmin();
    return this.#em.transactional(async (em) => {
      const medicine = em.create(Medicine, {
        name: input.name,
        strength: input.strength,
        form: input.form,
        codeSystem: input.code?.system ?? null,
        code: input.code?.code ?? null,
        codeDisplay: input.code?.display ?? null,
        active: true,
      });
      emitEvent(em, PRESCRIPTION_TOPIC, this.#actor, {
        type: PrescriptionEvent.MedicineCreated,
        aggregateId: medicine.id,
        payload: medicinePayloadOf(medicine),
      });
      return medicine;
    });
  }

  /**
   * Changes the given fields of a medicine (null clears strength, form and code); prescriptions keep the text they
   * were issued with. Emits `MedicineUpdated`.
   *
   * @throws ForbiddenError unless an admin; NotFoundError; a concurrent change fails (`CONFLICT` at the transport).
   */
  async update(id: string, input: UpdateMedicineInput): Promise<Medicine> {
    this.#access.requireAdmin();
    return this.#em.transactional(async (em) => {
      const medicine = await new MedicineRepository(em).findById(id);
      if (!medicine) throw new NotFoundError('Medicine', id);
      const changes: Partial<Medicine> = {};
      if (input.name !== undefined) changes.name = input.name;
      if (input.strength !== undefined) changes.strength = input.strength;
      if (input.form !== undefined) changes.form = input.form;
      if (input.active !== undefined) changes.active = input.active;
      if (input.code !== undefined) {
        Object.assign(changes, {
          codeSystem: input.code?.system ?? null,
          code: input.code?.code ?? null,
          codeDisplay: input.code?.display ?? null,
        });
      }
      em.assign(medicine, changes);
      emitEvent(em, PRESCRIPTION_TOPIC, this.#actor, {
        type: PrescriptionEvent.MedicineUpdated,
        aggregateId: medicine.id,
        payload: medicinePayloadOf(medicine),
      });
      return medicine;
    });
  }
}
