/**
 * Checking and trimming the chain (SPEC §8: "a check reports the first broken link"): verification of what is
 * stored, for `auditChainStatus` and `npm run audit:verify`, and the retention round that removes the oldest entries.
 */
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager, Orm } from '../../platform/db/orm.ts';
import {
  chainVerifier,
  expiredPrefixLength,
  retentionCutoff,
  type ChainHead,
  type ChainVerification,
} from './audit-chain.rules.ts';
import { AuditChainRepository } from './audit-chain.repository.ts';

/** Entries read per page while verifying. */
export const VERIFY_PAGE_SIZE = 1_000;

/** A verification, when it ran, and the chain's ends it saw. */
export type ChainStatus = ChainVerification & {
  checkedAt: Date;
  anchorPosition: number;
  head: ChainHead;
};

/**
 * Verifies the stored chain from the anchor to the head, streaming entries in position order a page at a time
 * (memory stays flat however long the chain is), in one repeatable-read snapshot: appends and retention running
 * meanwhile are not seen half-done.
 */
export async function verifyStoredChain(
  em: EntityManager,
  now: Date,
  pageSize = VERIFY_PAGE_SIZE,
): Promise<ChainStatus> {
  return em.fork().transactional(
    async (snapshot) => {
      const chain = new AuditChainRepository(snapshot);
      const anchor = await chain.anchor();
      const head = await chain.head();
      const verifier = chainVerifier(anchor);
      for (;;) {
        const page = await chain.page(verifier.lastPosition, pageSize);
        let intact = true;
        for (const entry of page) if (!(intact = verifier.push(entry))) break;
        if (!intact || page.length < pageSize) break;
      }
      return { ...verifier.finish(head), checkedAt: now, anchorPosition: anchor.position, head };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ },
  );
}

/** What one retention round did. */
export interface RetentionRound {
  /** Entries removed. */
  removed: number;
  /** The anchor's position after the round. */
  anchorPosition: number;
}

/**
 * Removes the oldest entries recorded more than `retentionDays` before `now`, up to `batchSize` in one transaction:
 * the leading run in position order (stopping at the first younger entry), with the anchor moved to the last one
 * removed in the same transaction, so that what remains verifies from the anchor. The anchor's row lock keeps two
 * replicas' rounds apart.
 */
export async function removeExpired(
  orm: Orm,
  options: { now: Date; retentionDays: number; batchSize: number },
): Promise<RetentionRound> {
  const cutoff = retentionCutoff(options.now, options.retentionDays);
  return orm.em.fork().transactional(async (em) => {
    const chain = new AuditChainRepository(em);
    const anchor = await chain.lockAnchor();
    const oldest = await chain.page(anchor.position, options.batchSize);
    const expired = expiredPrefixLength(oldest, cutoff);
    if (expired === 0) return { removed: 0, anchorPosition: anchor.position };
    const last = oldest[expired - 1]!;
    const removed = await chain.removeThrough(last, anchor, options.now);
    return { removed, anchorPosition: last.position };
  });
}
