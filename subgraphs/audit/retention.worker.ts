/**
 * Retention of the audit log (`HMS_AUDIT_RETENTION_DAYS`, at least a year, six by default): once a day (by
 * default) it removes the entries recorded longer ago than that, oldest first, moving the chain's anchor with them
 * (`removeExpired`), a batch per transaction until none is left. After each round it logs the chain's head, so the
 * logs hold a copy of the head's hash outside the database to compare with later.
 */
import type { Orm } from '../../platform/db/orm.ts';
import type { Logger } from '../../platform/logger.ts';
import { periodicWorker, type PeriodicWorker } from '../../platform/worker.ts';
import { AuditChainRepository } from './audit-chain.repository.ts';
import { removeExpired, type RetentionRound } from './audit-chain.service.ts';

export const RETENTION = 'audit.retention';

export interface RetentionWorkerOptions {
  orm: Orm;
  clock: () => Date;
  logger: Logger;
  /** Entries recorded longer ago than this many days are removed. */
  retentionDays: number;
  /** Pause between rounds, in milliseconds. */
  intervalMs: number;
  /** Entries removed per transaction. */
  batchSize?: number;
}

/** The retention worker (`runOnce()`: one batch at the clock's time, for tests); nothing runs until `start()`. */
export function createRetentionWorker(options: RetentionWorkerOptions): PeriodicWorker<RetentionRound> {
  const log = options.logger.child({ component: RETENTION });
  const batchSize = options.batchSize ?? 1_000;
  return periodicWorker<RetentionRound>({
    name: RETENTION,
    intervalMs: options.intervalMs,
    logger: options.logger,
    round: async () => {
      const round = await removeExpired(options.orm, {
        now: options.clock(),
        retentionDays: options.retentionDays,
        batchSize,
      });
      const head = await new AuditChainRepository(options.orm.em.fork()).head();
      log.info({ ...round, headPosition: head.lastPosition, headHash: head.lastHash }, 'audit retention round');
      return round;
    },
    // A full batch: there may be more past retention, so the next batch goes at once.
    more: (round) => round.removed >= batchSize,
  });
}
