/** Queries of the medicine catalogue, named by intent. */
import type { EntityManager } from '../../platform/db/orm.ts';
import type { PageRequest } from '../../platform/graphql/pagination.ts';
import { Medicine } from './medicine.entity.ts';
import type { CodeSystem } from './prescription.rules.ts';

/** Which medicines a list shows: `search` is part of the name (any case) or a code exactly. */
export interface MedicineQuery {
  search: string | null;
  includeInactive: boolean;
}

/** `text` as a literal inside a LIKE pattern (its `%`, `_` and `\` escaped). */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The medicine catalogue, on one entity manager. */
export class MedicineRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<Medicine | null> {
    return this.#em.findOne(Medicine, { id });
  }

  findByIds(ids: readonly string[]): Promise<Medicine[]> {
    return this.#em.find(Medicine, { id: { $in: [...ids] } });
  }

  /** The medicines coded with any of `codes` in `system`. */
  byCodes(system: CodeSystem, codes: readonly string[]): Promise<Medicine[]> {
    return this.#em.find(Medicine, { codeSystem: system, code: { $in: [...codes] } });
  }

  /** One page of the catalogue in name order (name, then id), reading `limit + 1` rows. */
  page(query: MedicineQuery, page: PageRequest): Promise<Medicine[]> {
    const qb = this.#query(query).select('*');
    if (page.after) qb.andWhere('(m.name, m.id) > (?, ?)', [String(page.after[0]), page.after[1]]);
    return qb
      .orderBy({ name: 'asc', id: 'asc' })
      .limit(page.limit + 1)
      .getResultList();
  }

  count(query: MedicineQuery): Promise<number> {
    return this.#query(query).getCount();
  }

  #query(query: MedicineQuery) {
    const qb = this.#em.createQueryBuilder(Medicine, 'm');
    if (!query.includeInactive) qb.andWhere({ active: true });
    if (query.search) {
      qb.andWhere('(lower(m.name) like ? or m.code = ?)', [
        `%${likeLiteral(query.search.toLowerCase())}%`,
        query.search,
      ]);
    }
    return qb;
  }
}
