/**
 * The audit log's hash chain on a real database (PostgreSQL when configured, else PGlite): events appended through
 * the consumer form a gap-free chain that verifies, page by page; tampering with raw SQL — altering, deleting,
 * inserting, reordering, truncating — is found at the right position; redelivery, a replay under another consumer
 * group and concurrent appends add nothing twice and keep the chain whole.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { hashOf } from './audit-chain.rules.ts';
import { chainEntryOf } from './audit-chain.repository.ts';
import { openAuditTestBed, someEvents, type AuditTestBed, type Delivery } from './audit.fixtures.ts';

let bed: AuditTestBed;

beforeAll(async () => {
  bed = await openAuditTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const N = 12;
let events: Delivery[];

/** A fresh chain of N entries. */
beforeEach(async () => {
  await bed.reset();
  events = someEvents(N);
  await bed.deliverAll(events);
});

const table = '"audit"."audit_event"';

describe('the audit chain', () => {
  it('holds one entry per event at positions 1…N, each linked to the one before, and verifies in pages', async () => {
    const entries = await bed.entries();
    expect(entries.map((entry) => entry.position)).toEqual(Array.from({ length: N }, (_, index) => index + 1));
    expect(entries.map((entry) => entry.eventId)).toEqual(events.map(({ event }) => event.id));
    expect(entries[0]!.previousHash).toBe('0'.repeat(64));
    for (let index = 1; index < N; index++) expect(entries[index]!.previousHash).toBe(entries[index - 1]!.hash);
    for (const entry of entries) expect(hashOf(chainEntryOf(entry))).toBe(entry.hash);
    // Pages of 5: the verifier streams 5, 5, 2 entries.
    expect(await bed.verify(5)).toMatchObject({
      valid: true,
      length: N,
      anchorPosition: 0,
      head: { lastPosition: N, lastHash: entries.at(-1)!.hash },
    });
  });

  it('finds a row whose content was altered (HASH_MISMATCH at it)', async () => {
    await bed.sql(`update ${table} set "outcome" = 'DENIED' where "position" = 5`);
    expect(await bed.verify(4)).toMatchObject({
      valid: false,
      length: 4,
      firstBrokenPosition: 5,
      reason: 'HASH_MISMATCH',
    });
  });

  it('finds an altered row even when its hash was recomputed (LINK_MISMATCH at the next)', async () => {
    const [row] = (await bed.entries()).filter((entry) => entry.position === 5);
    const forged = { ...chainEntryOf(row!), actorId: randomUUID() };
    await bed.sql(`update ${table} set "actor_id" = ?, "hash" = ? where "position" = 5`, [
      forged.actorId,
      hashOf(forged),
    ]);
    expect(await bed.verify()).toMatchObject({ valid: false, firstBrokenPosition: 6, reason: 'LINK_MISMATCH' });
  });

  it('finds a deleted row (POSITION_GAP at its position)', async () => {
    await bed.sql(`delete from ${table} where "position" = 7`);
    expect(await bed.verify(3)).toMatchObject({
      valid: false,
      length: 6,
      firstBrokenPosition: 7,
      reason: 'POSITION_GAP',
    });
  });

  it('finds a forged row inserted into the chain, hashed and linked to the one before it (at the row after)', async () => {
    const entries = (await bed.entries()).map(chainEntryOf);
    const before = entries[3]!;
    // Make room at position 5 (in two steps: the unique key on position), then write a well-formed forgery there.
    await bed.sql(`update ${table} set "position" = "position" + 1000 where "position" >= 5`);
    await bed.sql(`update ${table} set "position" = "position" - 999 where "position" > 1000`);
    const unhashed = {
      ...before,
      id: randomUUID(),
      eventId: randomUUID(),
      position: 5,
      outcome: 'SUCCESS' as const,
      previousHash: before.hash,
    };
    const forged = { ...unhashed, hash: hashOf(unhashed) };
    await bed.sql(
      `insert into ${table} ("id", "position", "event_id", "event_type", "occurred_at", "recorded_at", "actor_id",
        "actor_roles", "action", "resource_type", "resource_ids", "patient_id", "outcome", "correlation_id", "source",
        "details", "previous_hash", "hash")
       select ?, ?, ?, "event_type", "occurred_at", "recorded_at", "actor_id", "actor_roles", "action", "resource_type",
        "resource_ids", "patient_id", "outcome", "correlation_id", "source", "details", ?, ?
       from ${table} where "position" = 4`,
      [forged.id, forged.position, forged.eventId, forged.previousHash, forged.hash],
    );
    expect(await bed.verify()).toMatchObject({
      valid: false,
      length: 5,
      firstBrokenPosition: 6,
      reason: 'LINK_MISMATCH',
    });
  });

  it('finds two rows whose contents were swapped (reordered: at the first of them)', async () => {
    const columns = ['event_type', 'occurred_at', 'outcome', 'correlation_id', 'resource_ids', 'previous_hash', 'hash'];
    // Swap every column but position between positions 3 and 8 (the ids stay: they are unique keys).
    await bed.sql(
      `update ${table} as a set ${columns.map((column) => `"${column}" = b."${column}"`).join(', ')}
       from (select * from ${table} where "position" in (3, 8)) as b
       where a."position" in (3, 8) and b."position" = 11 - a."position"`,
    );
    expect(await bed.verify()).toMatchObject({
      valid: false,
      length: 2,
      firstBrokenPosition: 3,
      reason: 'LINK_MISMATCH',
    });
  });

  it('finds a truncated tail (TRUNCATED after the last row left)', async () => {
    await bed.sql(`delete from ${table} where "position" > 9`);
    expect(await bed.verify(4)).toEqual(
      expect.objectContaining({ valid: false, length: 9, firstBrokenPosition: 10, reason: 'TRUNCATED' }),
    );
  });

  it('adds nothing for a redelivered event, nor for a replay of every event under another consumer group', async () => {
    for (const { topic, event } of events) expect(await bed.consumer.handle(topic, event)).toBe('duplicate');
    const replay = bed.replayConsumer('audit.log-replay');
    for (const { topic, event } of events) expect(await replay.handle(topic, event)).toBe('handled');
    expect(await bed.entries()).toHaveLength(N);
    expect(await bed.verify()).toMatchObject({ valid: true, length: N });
  });

  it('keeps the chain total and gap-free under concurrent appends (and a racing replica of the same events)', async () => {
    const more = someEvents(30);
    const replica = bed.replayConsumer('audit.log-replica');
    await Promise.all([
      ...more.map(({ topic, event }) => bed.consumer.handle(topic, event)),
      ...more.map(({ topic, event }) => replica.handle(topic, event)),
    ]);
    const entries = await bed.entries();
    expect(entries.map((entry) => entry.position)).toEqual(Array.from({ length: N + 30 }, (_, index) => index + 1));
    expect(new Set(entries.map((entry) => entry.eventId)).size).toBe(N + 30);
    expect(await bed.verify(7)).toMatchObject({ valid: true, length: N + 30 });
  });
});
