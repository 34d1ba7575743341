/** Queries of the doctors subgraph, named by intent. */
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { escapeLike } from '../../platform/db/sql.ts';
import { pagesPerParent } from '../../platform/graphql/loaders.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { Department } from './department.entity.ts';
import { Doctor, DoctorIdentifier } from './doctor.entity.ts';
import type { DoctorFilter } from './doctor.inputs.ts';

export class DoctorRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findDoctor(id: string): Promise<Doctor | null> {
    return this.#em.findOne(Doctor, { id });
  }

  findDoctors(ids: readonly string[]): Promise<Doctor[]> {
    return this.#em.find(Doctor, { id: { $in: [...ids] } });
  }

  findDepartment(id: string): Promise<Department | null> {
    return this.#em.findOne(Department, { id });
  }

  findDepartments(ids: readonly string[]): Promise<Department[]> {
    return this.#em.find(Department, { id: { $in: [...ids] } });
  }

  allDepartments(): Promise<Department[]> {
    return this.#em.find(Department, {}, { orderBy: { name: 'asc' } });
  }

  identifiersOf(doctorIds: readonly string[]): Promise<DoctorIdentifier[]> {
    return this.#em.find(DoctorIdentifier, { doctor: { $in: [...doctorIds] } }, { orderBy: { system: 'asc' } });
  }

  async findByIdentifiers(system: string, values: readonly string[]): Promise<Doctor[]> {
    const identifiers = await this.#em.find(
      DoctorIdentifier,
      { system, value: { $in: [...values] } },
      { populate: ['doctor'] },
    );
    return identifiers.map((identifier) => identifier.doctor as unknown as Doctor);
  }

  /** One page of doctors by (family name, given name, id), reading `limit + 1` rows. */
  async page(filter: DoctorFilter, page: PageRequest): Promise<Doctor[]> {
    const qb = this.#em.createQueryBuilder(Doctor, 'd').select('*').where(this.#condition(filter));
    if (page.after) {
      qb.andWhere('(d.family_name, d.given_name, d.id) > (?, ?, ?)', page.after);
    }
    return qb
      .orderBy({ familyName: 'asc', givenName: 'asc', id: 'asc' })
      .limit(page.limit + 1)
      .getResultList();
  }

  count(filter: DoctorFilter): Promise<number> {
    return this.#em.count(Doctor, this.#condition(filter));
  }

  /**
   * The page by (family name, given name, id) of each of many departments' doctors, in one statement: a lateral
   * subquery per department on `doctor_department_name_idx`.
   */
  pagesPerDepartment(departmentIds: readonly string[], page: PageRequest): Promise<Doctor[]> {
    const qb = this.#em.createQueryBuilder(Doctor, 'd').select('*').where('d.department_id = parent.id');
    if (page.after) qb.andWhere('(d.family_name, d.given_name, d.id) > (?, ?, ?)', page.after);
    qb.orderBy({ familyName: 'asc', givenName: 'asc', id: 'asc' }).limit(page.limit + 1);
    return pagesPerParent(this.#em, Doctor, departmentIds, qb);
  }

  /** How many doctors each of many departments has, in one grouped statement (departments without any are absent). */
  async countPerDepartment(departmentIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.#em
      .createQueryBuilder(Doctor, 'd')
      .select([raw('d.department_id as parent_id'), raw('count(*) as total')])
      .where({ department: { $in: [...departmentIds] } })
      .groupBy('d.department')
      .execute<{ parent_id: string; total: string | number }[]>('all', false);
    return new Map(rows.map((row) => [row.parent_id, Number(row.total)]));
  }

  #condition(filter: DoctorFilter): object {
    const conditions: object[] = [];
    if (filter.departmentId) conditions.push({ department: filter.departmentId });
    if (filter.specialization)
      conditions.push({ [raw('lower("specialization")')]: filter.specialization.toLowerCase() });
    if (filter.search) {
      const term = `%${escapeLike(filter.search)}%`;
      conditions.push({ $or: [{ givenName: { $ilike: term } }, { familyName: { $ilike: term } }] });
    }
    return conditions.length > 0 ? { $and: conditions } : {};
  }
}
