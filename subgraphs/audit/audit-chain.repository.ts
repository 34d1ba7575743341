/**
 * The chain's storage: appending under the head's lock, reading the head and the anchor, pages in position order
 * for verification, and removing the oldest entries with the anchor moved in the same transaction.
 */
import { LockMode } from '@mikro-orm/core';
import { newId } from '../../platform/db/base.entity.ts';
import type { EntityManager } from '../../platform/db/orm.ts';
import { hashOf, type ChainAnchor, type ChainEntry, type ChainHead } from './audit-chain.rules.ts';
import { AuditChainAnchor, AuditChainHead, AuditEvent, CHAIN_ROW_ID } from './audit.entity.ts';
import type { AuditEntryContent } from './audit.rules.ts';

/** A stored row as the chain rules see it (absent nullable columns as null). */
export function chainEntryOf(row: AuditEvent): ChainEntry {
  return { ...row, actorId: row.actorId ?? null, patientId: row.patientId ?? null };
}

/** The chain on one entity manager (inside a transaction for `append` and `removeOldest`). */
export class AuditChainRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /**
   * Appends `content` as the next entry, unless its event is logged already. Takes the head's row lock first, so
   * that appends run one at a time, each after the last committed one: positions stay gap-free and each
   * `previousHash` is the hash of the entry before. Call inside a transaction (the consumer's).
   *
   * @returns the entry written, or null when the event was already logged (a redelivery or a replay).
   */
  async append(content: AuditEntryContent, recordedAt: Date): Promise<ChainEntry | null> {
    const head = await this.#em.findOneOrFail(
      AuditChainHead,
      { id: CHAIN_ROW_ID },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    // Read after the lock: a concurrent append of the same event has committed by now (the unique key backs this).
    if ((await this.#em.count(AuditEvent, { eventId: content.eventId })) > 0) return null;
    const unhashed = {
      ...content,
      id: newId(),
      position: head.lastPosition + 1,
      recordedAt,
      previousHash: head.lastHash,
    };
    const entry: ChainEntry = { ...unhashed, hash: hashOf(unhashed) };
    this.#em.create(AuditEvent, entry);
    head.lastPosition = entry.position;
    head.lastHash = entry.hash;
    head.updatedAt = recordedAt;
    await this.#em.flush();
    return entry;
  }

  async head(): Promise<ChainHead> {
    const head = await this.#em.findOneOrFail(AuditChainHead, { id: CHAIN_ROW_ID }, { refresh: true });
    return { lastPosition: head.lastPosition, lastHash: head.lastHash };
  }

  async anchor(): Promise<ChainAnchor> {
    const anchor = await this.#em.findOneOrFail(AuditChainAnchor, { id: CHAIN_ROW_ID }, { refresh: true });
    return { position: anchor.position, hash: anchor.hash };
  }

  /** Up to `limit` entries after `position`, in position order, not kept in the identity map (pages stay small). */
  async page(afterPosition: number, limit: number): Promise<ChainEntry[]> {
    const rows = await this.#em.find(
      AuditEvent,
      { position: { $gt: afterPosition } },
      { orderBy: { position: 'asc' }, limit, disableIdentityMap: true },
    );
    return rows.map(chainEntryOf);
  }

  /**
   * Removes the oldest `count`-entry run (positions after the anchor, up to and including `upTo`) and moves the anchor
   * to `upTo`'s position and hash. Call inside a transaction that locked the anchor (`lockAnchor`).
   */
  async removeThrough(upTo: Pick<ChainEntry, 'position' | 'hash'>, anchor: ChainAnchor, at: Date): Promise<number> {
    const removed = await this.#em.nativeDelete(AuditEvent, {
      position: { $gt: anchor.position, $lte: upTo.position },
    });
    await this.#em.nativeUpdate(
      AuditChainAnchor,
      { id: CHAIN_ROW_ID },
      { position: upTo.position, hash: upTo.hash, movedAt: at },
    );
    return removed;
  }

  /** Reads the anchor under its row lock (one retention round at a time, across replicas). */
  async lockAnchor(): Promise<ChainAnchor> {
    const anchor = await this.#em.findOneOrFail(
      AuditChainAnchor,
      { id: CHAIN_ROW_ID },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    return { position: anchor.position, hash: anchor.hash };
  }
}
