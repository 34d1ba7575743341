/**
 * Idempotent operations (SPEC §4; the IETF `Idempotency-Key` header draft, Stripe's semantics). A caller names a
 * request with a key; the first request with the key runs, and every later one with the same key and the same input
 * gets the first one's stored result without running again:
 *
 * - no key, or a malformed one: `BAD_USER_INPUT`;
 * - the key used before for a different request (operation or input): `IDEMPOTENCY_KEY_REUSED`;
 * - the key's request still running: the repeat waits up to `waitMs` for it, then `IDEMPOTENCY_KEY_IN_USE`.
 *
 * The database decides who runs (an insert of `(scope, key)` that only one request wins), so this holds across
 * replicas. Within one process, repeats of a running request wait on it in memory instead of polling the database,
 * so a burst of retries costs one query each once the first finishes. A request that fails before its side effects
 * begin releases its key (the client may retry with it); once they began (`claim.pointOfNoReturn()`), a failure
 * keeps the key `IN_FLIGHT`, so that no retry can repeat a charge whose outcome is unknown. Completed keys expire
 * `retentionHours` after completion and are then deleted; keys in flight never expire.
 */
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { EntityManager, Orm } from '../db/orm.ts';
import { BadUserInputError, DomainError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { IdempotencyKey } from './idempotency-key.entity.ts';

export const IdempotencyError = {
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_USE: 'IDEMPOTENCY_KEY_IN_USE',
} as const;

/** Where the key comes from (the HTTP header the gateway forwards). */
export const IDEMPOTENCY_KEY_FIELD = 'Idempotency-Key';

/** 1–255 visible ASCII characters (a UUID is best). */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencySettings {
  /** How long a key is kept, in hours (at least 24, SPEC §4). */
  retentionHours: number;
  /** How long a repeat waits for the request still running under its key, in milliseconds. */
  waitMs: number;
}

export interface IdempotentRequest {
  /** Whose namespace the key lives in: the caller's user id. */
  scope: string;
  /** The client's key; null when it sent none. */
  key: string | null;
  /** E.g. `payBill`. */
  operation: string;
  /** The validated input; compared canonically (key order does not matter). */
  input: unknown;
}

/** What the running request holds: it completes the key in the transaction that records its outcome. */
export interface IdempotencyClaim {
  /** From here on a failure keeps the key in flight instead of releasing it (side effects may have happened). */
  pointOfNoReturn(): void;
  /** Stores `response` (JSON) as the key's result, inside the caller's transaction `em`. */
  complete(em: EntityManager, response: unknown): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Expired keys are deleted at most this often per process. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

export class IdempotencyStore {
  readonly #orm: Orm;
  readonly #clock: () => Date;
  readonly #settings: IdempotencySettings;
  readonly #log: Logger;
  /** Requests of this process that run or are claiming, by scope and key, with their request hash. */
  readonly #running = new Map<string, { requestHash: string; done: Promise<void> }>();
  #lastPrune = 0;

  constructor(options: { orm: Orm; clock: () => Date; settings: IdempotencySettings; logger: Logger }) {
    this.#orm = options.orm;
    this.#clock = options.clock;
    this.#settings = options.settings;
    this.#log = options.logger.child({ component: 'idempotency' });
  }

  /**
   * Runs `execute` once per `(scope, key)`; repeats get `revive(stored response)`. `execute` must call
   * `claim.complete(em, response)` in the transaction that records its outcome.
   *
   * @throws BadUserInputError (no or malformed key), IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE, and whatever
   *   `execute` throws.
   */
  async run<Result>(
    request: IdempotentRequest,
    execute: (claim: IdempotencyClaim) => Promise<Result>,
    revive: (stored: unknown) => Result,
  ): Promise<Result> {
    const { key } = request;
    if (key === null || key === '') {
      throw new BadUserInputError(
        `${request.operation} requires an Idempotency-Key HTTP header.`,
        IDEMPOTENCY_KEY_FIELD,
      );
    }
    if (!KEY_FORMAT.test(key)) {
      throw new BadUserInputError(
        'The Idempotency-Key must be 1–255 visible ASCII characters (a UUID is best).',
        IDEMPOTENCY_KEY_FIELD,
      );
    }
    const requestHash = createHash('sha256')
      .update(stringify({ operation: request.operation, input: request.input }) ?? '')
      .digest('hex');
    const id = `${request.scope}\u0000${key}`;
    const deadline = performance.now() + this.#settings.waitMs;
    let pause = 25;

    for (;;) {
      const running = this.#running.get(id);
      if (running) {
        if (running.requestHash !== requestHash) throw this.#reused();
        if (!(await this.#waitFor(running.done, deadline))) throw this.#inUse();
        continue;
      }
      const existing = await this.#orm.em.fork().findOne(IdempotencyKey, { scope: request.scope, key });
      // A key still in flight never expires: its request's outcome may be unknown (see the file comment).
      if (existing && (existing.status === 'IN_FLIGHT' || existing.expiresAt > this.#clock())) {
        if (existing.requestHash !== requestHash) throw this.#reused();
        if (existing.status === 'COMPLETED') return revive(existing.response);
        // Running in another process: poll until it completes or the wait is over.
        if (performance.now() + pause > deadline) throw this.#inUse();
        await sleep(pause);
        pause = Math.min(pause * 2, 250);
        continue;
      }
      if (this.#running.has(id)) continue;
      let settle!: () => void;
      this.#running.set(id, { requestHash, done: new Promise<void>((resolve) => (settle = resolve)) });
      try {
        if (!(await this.#claim(request, key, requestHash))) continue;
        return await this.#lead(request.scope, key, execute);
      } finally {
        this.#running.delete(id);
        settle();
      }
    }
  }

  async #lead<Result>(
    scope: string,
    key: string,
    execute: (claim: IdempotencyClaim) => Promise<Result>,
  ): Promise<Result> {
    let committed = false;
    /** `complete` ran (in a transaction that may still fail), and `execute` returned (so it committed). */
    let completing = false;
    let completed = false;
    const claim: IdempotencyClaim = {
      pointOfNoReturn: () => {
        committed = true;
      },
      complete: async (em, response) => {
        const now = this.#clock();
        // Kept for the retention period from the moment its result exists.
        await em.nativeUpdate(
          IdempotencyKey,
          { scope, key },
          {
            status: 'COMPLETED',
            response: JSON.parse(JSON.stringify(response)) as unknown,
            completedAt: now,
            expiresAt: this.#expiry(now),
          },
        );
        completing = true;
      },
    };
    try {
      const result = await execute(claim);
      if (!completing) throw new Error('an idempotent operation returned without completing its key');
      completed = true;
      return result;
    } catch (error) {
      if (!committed) {
        await this.#orm.em
          .fork()
          .nativeDelete(IdempotencyKey, { scope, key, status: 'IN_FLIGHT' })
          .catch((releaseError: unknown) => this.#log.error({ err: releaseError }, 'could not release a key'));
      } else if (!completed) {
        this.#log.error({ err: error, scope }, 'idempotent request failed after its side effects began; key kept');
      }
      throw error;
    }
  }

  /** Inserts the key as `IN_FLIGHT`; false when another request holds it. An expired completed key is taken over. */
  async #claim(request: IdempotentRequest, key: string, requestHash: string): Promise<boolean> {
    const now = this.#clock();
    const em = this.#orm.em.fork();
    await this.#pruneNow(em, now);
    await em.nativeDelete(IdempotencyKey, {
      scope: request.scope,
      key,
      status: 'COMPLETED',
      expiresAt: { $lte: now },
    });
    const inserted = await em
      .createQueryBuilder(IdempotencyKey)
      .insert({
        scope: request.scope,
        key,
        operation: request.operation,
        requestHash,
        status: 'IN_FLIGHT',
        response: null,
        createdAt: now,
        completedAt: null,
        expiresAt: this.#expiry(now),
      })
      .onConflict(['scope', 'key'])
      .ignore()
      .execute('run');
    return (inserted as { affectedRows?: number }).affectedRows === 1;
  }

  async #pruneNow(em: EntityManager, now: Date): Promise<void> {
    if (performance.now() - this.#lastPrune < PRUNE_INTERVAL_MS && this.#lastPrune !== 0) return;
    this.#lastPrune = performance.now();
    const pruned = await em.nativeDelete(IdempotencyKey, { status: 'COMPLETED', expiresAt: { $lte: now } });
    if (pruned > 0) this.#log.info({ pruned }, 'expired idempotency keys deleted');
  }

  /** Waits for `running` until `deadline`; false when the wait ran out. */
  async #waitFor(running: Promise<void>, deadline: number): Promise<boolean> {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      running.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), remaining))),
    ]);
    clearTimeout(timer);
    return outcome;
  }

  #expiry(from: Date): Date {
    return new Date(from.getTime() + this.#settings.retentionHours * 3_600_000);
  }

  #reused(): DomainError {
    return new DomainError(
      IdempotencyError.IDEMPOTENCY_KEY_REUSED,
      'This Idempotency-Key was used for a different request; use a new key for a new request.',
    );
  }

  #inUse(): DomainError {
    return new DomainError(
      IdempotencyError.IDEMPOTENCY_KEY_IN_USE,
      'A request with this Idempotency-Key is still being processed; retry it in a moment.',
    );
  }
}
