import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  canonicalContent,
  expiredPrefixLength,
  GENESIS_HASH,
  hashOf,
  retentionCutoff,
  verifyChain,
  type ChainAnchor,
  type ChainEntry,
} from './audit-chain.rules.ts';

const T0 = new Date('2026-03-02T08:00:00Z');

/** A chain of `length` entries after `anchor`, linked and hashed as the repository writes them. */
function aChain(length: number, anchor: ChainAnchor = { position: 0, hash: GENESIS_HASH }): ChainEntry[] {
  const entries: ChainEntry[] = [];
  let previousHash = anchor.hash;
  for (let index = 0; index < length; index++) {
    const unhashed = {
      id: randomUUID(),
      position: anchor.position + index + 1,
      eventId: randomUUID(),
      eventType: 'AppointmentBooked',
      occurredAt: new Date(T0.getTime() + index * 1000),
      recordedAt: new Date(T0.getTime() + index * 1000 + 5),
      actorId: randomUUID(),
      actorRoles: ['RECEPTION' as const],
      action: 'CREATE' as const,
      resourceType: 'Appointment',
      resourceIds: [randomUUID()],
      patientId: randomUUID(),
      outcome: 'SUCCESS' as const,
      correlationId: `corr-${index}`,
      source: 'appointments',
      details: { status: 'PENDING', eventVersion: 1 },
      previousHash,
    };
    const entry = { ...unhashed, hash: hashOf(unhashed) };
    entries.push(entry);
    previousHash = entry.hash;
  }
  return entries;
}

const headOf = (entries: ChainEntry[], anchor: ChainAnchor = { position: 0, hash: GENESIS_HASH }) => ({
  lastPosition: entries.at(-1)?.position ?? anchor.position,
  lastHash: entries.at(-1)?.hash ?? anchor.hash,
});
const GENESIS = { position: 0, hash: GENESIS_HASH };

describe('the hash of an entry', () => {
  it('is SHA-256 hex of canonical JSON: the same whatever the key order', () => {
    const [entry] = aChain(1);
    const { hash: _hash, ...rest } = entry!;
    const reordered = Object.fromEntries(Object.entries(rest).reverse()) as typeof rest;
    expect(hashOf(reordered)).toBe(entry!.hash);
    expect(entry!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalContent(rest)).toContain('"previousHash":"0000');
  });

  it('changes with any field, the previous hash included', () => {
    const [entry] = aChain(1);
    const { hash, ...rest } = entry!;
    expect(hashOf({ ...rest, outcome: 'DENIED' })).not.toBe(hash);
    expect(hashOf({ ...rest, details: { ...rest.details, status: 'X' } })).not.toBe(hash);
    expect(hashOf({ ...rest, previousHash: 'f'.repeat(64) })).not.toBe(hash);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain, an empty one, and one that starts from a retention anchor', () => {
    const chain = aChain(10);
    expect(verifyChain(chain, GENESIS, headOf(chain))).toEqual({ valid: true, length: 10 });
    expect(verifyChain([], GENESIS, headOf([]))).toEqual({ valid: true, length: 0 });
    const anchor = { position: chain[3]!.position, hash: chain[3]!.hash };
    expect(verifyChain(chain.slice(4), anchor, headOf(chain))).toEqual({ valid: true, length: 6 });
    expect(verifyChain([], { position: 10, hash: chain[9]!.hash }, headOf(chain))).toEqual({ valid: true, length: 0 });
  });

  it('finds an altered entry (HASH_MISMATCH)', () => {
    const chain = aChain(10);
    chain[4] = { ...chain[4]!, outcome: 'DENIED' };
    expect(verifyChain(chain, GENESIS, headOf(chain))).toEqual({
      valid: false,
      length: 4,
      firstBrokenPosition: 5,
      reason: 'HASH_MISMATCH',
    });
  });

  it('finds a deleted entry (POSITION_GAP at the missing position)', () => {
    const chain = aChain(10);
    const head = headOf(chain);
    chain.splice(6, 1);
    expect(verifyChain(chain, GENESIS, head)).toMatchObject({
      valid: false,
      firstBrokenPosition: 7,
      reason: 'POSITION_GAP',
    });
  });

  it('finds two entries swapped (LINK_MISMATCH at the first)', () => {
    const chain = aChain(10);
    const [a, b] = [chain[2]!, chain[7]!];
    chain[2] = { ...b, position: a.position };
    chain[7] = { ...a, position: b.position };
    expect(verifyChain(chain, GENESIS, headOf(chain))).toMatchObject({
      firstBrokenPosition: 3,
      reason: 'LINK_MISMATCH',
    });
  });

  it('finds a truncated tail (TRUNCATED after the last entry left) and a forged entry past the head', () => {
    const chain = aChain(10);
    expect(verifyChain(chain.slice(0, 7), GENESIS, headOf(chain))).toEqual({
      valid: false,
      length: 7,
      firstBrokenPosition: 8,
      reason: 'TRUNCATED',
    });
    expect(verifyChain(chain, GENESIS, headOf(chain.slice(0, 9)))).toMatchObject({
      firstBrokenPosition: 10,
      reason: 'HEAD_MISMATCH',
    });
    expect(verifyChain(chain, GENESIS, { lastPosition: 10, lastHash: 'a'.repeat(64) })).toMatchObject({
      firstBrokenPosition: 10,
      reason: 'HEAD_MISMATCH',
    });
  });

  it('finds entries removed from the start without the anchor moving (POSITION_GAP at the first)', () => {
    const chain = aChain(5);
    expect(verifyChain(chain.slice(2), GENESIS, headOf(chain))).toMatchObject({
      firstBrokenPosition: 1,
      reason: 'POSITION_GAP',
    });
  });
});

describe('retention', () => {
  it('removes the leading run recorded before the cutoff, stopping at the first younger entry', () => {
    const cutoff = retentionCutoff(new Date('2030-01-01T00:00:00Z'), 365);
    expect(cutoff).toEqual(new Date('2029-01-01T00:00:00Z'));
    const at = (iso: string) => ({ recordedAt: new Date(iso) });
    expect(
      expiredPrefixLength([at('2028-01-01T00:00:00Z'), at('2028-06-01T00:00:00Z'), at('2029-06-01T00:00:00Z')], cutoff),
    ).toBe(2);
    expect(expiredPrefixLength([at('2029-06-01T00:00:00Z'), at('2028-01-01T00:00:00Z')], cutoff)).toBe(0);
    expect(expiredPrefixLength([at('2028-01-01T00:00:00Z')], cutoff)).toBe(1);
    expect(expiredPrefixLength([], cutoff)).toBe(0);
    expect(expiredPrefixLength([at('2029-01-01T00:00:00Z')], cutoff)).toBe(0);
  });
});
