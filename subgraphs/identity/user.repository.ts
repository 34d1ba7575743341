/** Queries of the identity subgraph. */
import type { EntityManager } from '../../platform/db/orm.ts';
import { User } from './user.entity.ts';

export class UserRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findById(id: string): Promise<User | null> {
    return this.#em.findOne(User, { id });
  }

  /** `email` must already be lower-cased. */
  findByEmail(email: string): Promise<User | null> {
    return this.#em.findOne(User, { email });
  }

  async anyAdminExists(): Promise<boolean> {
    return (await this.#em.count(User, { roles: { $contains: ['ADMIN'] } })) > 0;
  }
}
