/**
 * `idempotency_key`: the requests a subgraph promised to perform at most once (SPEC §4), by caller and key. A row is
 * `IN_FLIGHT` while its request runs and `COMPLETED` with the stored response afterwards; it is kept until
 * `expires_at` (at least 24 h), after which the key may be used again.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const IDEMPOTENCY_STATUSES = ['IN_FLIGHT', 'COMPLETED'] as const;

export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  properties: {
    /** Whose key it is: the caller's user id (two users never share a key's namespace). */
    scope: p.string().length(100).primary(),
    /** The client's `Idempotency-Key` header. */
    key: p.string().length(255).primary(),
    /** The operation the key was first used for, e.g. `payBill`. */
    operation: p.string().length(100),
    /** SHA-256 (hex) of the operation and its canonical input: a different request under the key is refused. */
    requestHash: p.string().length(64),
    status: p.enum(IDEMPOTENCY_STATUSES),
    /** What the completed request returned, replayed to every repeat. */
    response: p.json<unknown>().nullable(),
    createdAt: p.datetime(),
    completedAt: p.datetime().nullable(),
    expiresAt: p.datetime().index('idempotency_key_expires_at_idx'),
  },
  primaryKeys: ['scope', 'key'],
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;

/** The entities a subgraph registers to offer idempotent operations. */
export const idempotencyEntities = [IdempotencyKey];
