/** The per-request context of the audit subgraph. */
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { AuditEvent } from './audit.entity.ts';
import type { ChainStatus } from './audit-chain.service.ts';
import type { AuditService } from './audit.service.ts';

export interface Context extends RequestContext {
  audit: AuditService;
}

/** What `AuditEventConnection` resolvers receive. */
export type AuditEventConnection = Connection<AuditEvent>;

/** What `AuditChainStatus` resolvers receive. */
export type AuditChainStatusModel = ChainStatus;
