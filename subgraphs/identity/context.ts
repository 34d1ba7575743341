/** The per-request context of the identity subgraph. */
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { AccountService } from './account.service.ts';
import type { User } from './user.entity.ts';
import type { UserService } from './user.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  users: UserService;
  accounts: AccountService;
}

/** What `UserConnection` resolvers receive. */
export type UserConnection = Connection<User>;
