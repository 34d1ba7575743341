/**
 * The audit log's hash chain (SPEC §8: "append-only and tamper-evident: each entry carries the hash of the previous
 * one; a check reports the first broken link"), as pure functions.
 *
 * Entry n has `position` n (1, 2, 3… without gaps), `previousHash` = the hash of entry n − 1 (of the anchor for the
 * first entry kept: 64 zeros at genesis, or the last entry removed by retention) and `hash` = SHA-256 (hex) of the
 * canonical JSON (keys sorted, `safe-stable-stringify`) of its content and `previousHash`. The chain head stores the
 * last position and hash, so that a removed tail is noticed too.
 *
 * Verification folds the entries in position order (`chainVerifier`), a page at a time, and stops at the first
 * broken one:
 * - `POSITION_GAP`: the entry is not at the next position (an entry was deleted, or forged at another position);
 * - `LINK_MISMATCH`: its `previousHash` is not the previous entry's hash (entries reordered, or one inserted);
 * - `HASH_MISMATCH`: its hash is not the hash of its content (the entry was altered);
 * - `TRUNCATED`: the entries end before the head's last position (the tail was deleted);
 * - `HEAD_MISMATCH`: the entries go past the head, or end at its position with another hash (forged at the end);
 * - `ANCHOR_MISMATCH`: the anchor is past the head.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { AuditEntryContent } from './audit.rules.ts';

/** The previous hash of the first entry ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a chain entry holds: its content, its place and its links. */
export interface ChainEntry extends AuditEntryContent {
  id: string;
  position: number;
  /** When the audit log stored it (FHIR `AuditEvent.recorded`). */
  recordedAt: Date;
  previousHash: string;
  hash: string;
}

/** Where verification starts: the last entry removed by retention (position 0 and `GENESIS_HASH` before any). */
export interface ChainAnchor {
  position: number;
  hash: string;
}

/** The last entry appended, as the chain head records it (position 0 and `GENESIS_HASH` while empty). */
export interface ChainHead {
  lastPosition: number;
  lastHash: string;
}

export const CHAIN_BREAKS = [
  'POSITION_GAP',
  'LINK_MISMATCH',
  'HASH_MISMATCH',
  'TRUNCATED',
  'HEAD_MISMATCH',
  'ANCHOR_MISMATCH',
] as const;
export type ChainBreak = (typeof CHAIN_BREAKS)[number];

/** The outcome of a verification. `length`: entries verified good (all of them when valid). */
export type ChainVerification =
  { valid: true; length: number } | { valid: false; length: number; firstBrokenPosition: number; reason: ChainBreak };

/** The canonical text an entry's hash is computed over: every stored field but the hash itself. */
export function canonicalContent(entry: Omit<ChainEntry, 'hash'>): string {
  const content: object = {
    id: entry.id,
    position: entry.position,
    eventId: entry.eventId,
    eventType: entry.eventType,
    occurredAt: entry.occurredAt.toISOString(),
    recordedAt: entry.recordedAt.toISOString(),
    actorId: entry.actorId,
    actorRoles: entry.actorRoles,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceIds: entry.resourceIds,
    patientId: entry.patientId,
    outcome: entry.outcome,
    correlationId: entry.correlationId,
    source: entry.source,
    details: entry.details,
    previousHash: entry.previousHash,
  };
  return stringify(content);
}

/** SHA-256 (lower-case hex) of the entry's canonical content. */
export function hashOf(entry: Omit<ChainEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalContent(entry), 'utf8').digest('hex');
}

/** Verification in progress: feed entries in position order with `push`, then `finish` with the chain head. */
export interface ChainVerifier {
  /** Checks the next entry; false once the chain is broken (later entries are not looked at). */
  push(entry: ChainEntry): boolean;
  /** The position after which the next page starts. */
  readonly lastPosition: number;
  finish(head: ChainHead): ChainVerification;
}

/** Starts verifying a chain whose first entry follows `anchor`. */
export function chainVerifier(anchor: ChainAnchor): ChainVerifier {
  let position = anchor.position;
  let hash = anchor.hash;
  let length = 0;
  let broken: { firstBrokenPosition: number; reason: ChainBreak } | null = null;
  const fail = (firstBrokenPosition: number, reason: ChainBreak) => {
    broken = { firstBrokenPosition, reason };
    return false;
  };
  return {
    get lastPosition() {
      return position;
    },
    push(entry) {
      if (broken) return false;
      if (entry.position !== position + 1) return fail(position + 1, 'POSITION_GAP');
      if (entry.previousHash !== hash) return fail(entry.position, 'LINK_MISMATCH');
      if (hashOf(entry) !== entry.hash) return fail(entry.position, 'HASH_MISMATCH');
      position = entry.position;
      hash = entry.hash;
      length++;
      return true;
    },
    finish(head) {
      const result = broken as { firstBrokenPosition: number; reason: ChainBreak } | null;
      if (result) return { valid: false, length, ...result };
      if (anchor.position > head.lastPosition) {
        return { valid: false, length, firstBrokenPosition: head.lastPosition + 1, reason: 'ANCHOR_MISMATCH' };
      }
      if (position < head.lastPosition) {
        return { valid: false, length, firstBrokenPosition: position + 1, reason: 'TRUNCATED' };
      }
      if (position > head.lastPosition) {
        return { valid: false, length, firstBrokenPosition: head.lastPosition + 1, reason: 'HEAD_MISMATCH' };
      }
      if (hash !== head.lastHash) {
        return { valid: false, length, firstBrokenPosition: position, reason: 'HEAD_MISMATCH' };
      }
      return { valid: true, length };
    },
  };
}

/**
 * Verifies `entries` (in position order, those after the anchor) against the anchor and the chain head in one go.
 * For a stored chain, feed pages to `chainVerifier` instead.
 */
export function verifyChain(entries: Iterable<ChainEntry>, anchor: ChainAnchor, head: ChainHead): ChainVerification {
  const verifier = chainVerifier(anchor);
  for (const entry of entries) if (!verifier.push(entry)) break;
  return verifier.finish(head);
}

/** One day in milliseconds. */
const DAY_MS = 24 * 60 * 60 * 1000;

/** Entries recorded before this instant are past retention (`retentionDays` days before `now`). */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * How many of `entries` (the oldest kept, in position order) retention removes now: the leading run recorded
 * before `cutoff`. It stops at the first younger entry, so what remains is always one unbroken chain after the
 * anchor.
 */
export function expiredPrefixLength(entries: readonly Pick<ChainEntry, 'recordedAt'>[], cutoff: Date): number {
  const firstKept = entries.findIndex((entry) => entry.recordedAt.getTime() >= cutoff.getTime());
  return firstKept === -1 ? entries.length : firstKept;
}
