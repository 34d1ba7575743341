/** The per-request context of the identity subgraph. */
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { UserService } from './user.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  users: UserService;
}
