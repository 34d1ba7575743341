/**
 * Composition root of the audit subgraph (SPEC §8): the consumer that appends every event of every topic to the
 * hash-chained log, the queries of admins (`auditEvents`, `auditChainStatus`) and patients (`myRecordAccessLog`),
 * and the retention worker. It raises no events of its own.
 */
import { gql } from 'graphql-tag';
import { z } from 'zod';
import {
  defineSubgraph,
  type SubgraphDependencies,
  type SubgraphDefinition,
  type Worker,
} from '../../platform/subgraph.ts';
import { readSdl } from '../../schema/catalog.ts';
import { auditConsumers } from './audit.consumers.ts';
import { auditEntities } from './audit.entity.ts';
import { AuditService } from './audit.service.ts';
import type { Context } from './context.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createRetentionWorker } from './retention.worker.ts';

/** Shortest retention allowed, in days. */
export const MIN_RETENTION_DAYS = 365;

/** The audit subgraph's own environment variables. */
export const auditEnv = {
  /** Entries recorded longer ago than this many days are removed (default 2192: six years; at least 365). */
  HMS_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(MIN_RETENTION_DAYS).max(36_500).default(2192),
};
export type AuditEnv = z.infer<z.ZodObject<typeof auditEnv>>;

export interface AuditSettings {
  /** Entries recorded longer ago than this many days are removed. */
  retentionDays: number;
  /** How often retention runs, in milliseconds (daily). */
  retentionIntervalMs: number;
}

/** Audit settings from the environment. */
export function auditSettings(env: AuditEnv): AuditSettings {
  return { retentionDays: env.HMS_AUDIT_RETENTION_DAYS, retentionIntervalMs: 24 * 60 * 60 * 1000 };
}

/** The audit subgraph's definition: entities, migrations, schema, resolvers, context, consumer, worker. */
export function auditSubgraph(settings: AuditSettings): SubgraphDefinition<Context> {
  return {
    name: 'audit',
    entities: auditEntities,
    migrations,
    typeDefs: gql(readSdl('audit')),
    resolvers,
    createContext: (base, { orm, deps }) => ({
      ...base,
      audit: new AuditService({ em: orm.em.fork(), actor: base, clock: deps.clock }),
    }),
    consumers: ({ deps }) => auditConsumers(deps.clock),
    workers: ({ orm, deps }): Worker[] => [
      createRetentionWorker({
        orm,
        clock: deps.clock,
        logger: deps.logger.child({ subgraph: 'audit' }),
        retentionDays: settings.retentionDays,
        intervalMs: settings.retentionIntervalMs,
      }),
    ],
  };
}

/** The audit subgraph, ready to start. */
export const createAuditSubgraph = (deps: SubgraphDependencies, settings: AuditSettings) =>
  defineSubgraph(auditSubgraph(settings), deps);
