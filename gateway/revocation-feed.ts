/**
 * Keeps the gateway's revocation list (`platform/auth/revocations.ts`) current: `TokensRevoked` events from
 * `identity-events` apply at once; identity's recent revocations are loaded at start-up (covering what happened
 * before this replica existed) and reloaded every minute (covering an event this replica missed). Until the first
 * load succeeds the feed is not `loaded` (the gateway is not ready) and the load is retried every few seconds.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../platform/auth/internal-token.ts';
import { RevocationList, revocationSchema } from '../platform/auth/revocations.ts';
import { eventEnvelopeSchema } from '../platform/events/envelope.ts';
import type { EventTransport } from '../platform/events/transport.ts';
import type { Logger } from '../platform/logger.ts';

export interface RevocationFeedOptions {
  transport: EventTransport;
  /** Identity's `/internal/revocations`. */
  snapshotUrl: string;
  internalTokenSecret: string;
  /**
   * Access-token lifetime in seconds: how long a revocation matters when it does not say itself (`retainUntil`,
   * which identity sends; events written before it did lack it).
   */
  accessTokenTtlSeconds: number;
  logger: Logger;
}

export interface RevocationFeed {
  readonly list: RevocationList;
  /** True once identity's recent revocations have been loaded: before that, a revoked token could pass. */
  readonly loaded: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const snapshotSchema = z.object({ revocations: z.array(revocationSchema) });
/** Reload interval once loaded (ms). */
const RELOAD_MS = 60_000;
/** Retry interval until the first load succeeds (ms). */
const FIRST_LOAD_RETRY_MS = 2_000;
/** Margin past the token lifetime for revocations without `retainUntil` (clock skew). */
const FALLBACK_MARGIN_MS = 5 * 60_000;

export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const log = options.logger.child({ component: 'revocations' });
  const list = new RevocationList(options.accessTokenTtlSeconds * 1000 + FALLBACK_MARGIN_MS);
  let subscription: { stop(): Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let loaded = false;
  let stopped = false;

  /** Loads the snapshot, then schedules the next load: soon while it has never succeeded, else in a minute. */
  async function loadAndSchedule(): Promise<void> {
    if (await loadSnapshot()) loaded = true;
    if (stopped) return;
    timer = setTimeout(() => void loadAndSchedule(), loaded ? RELOAD_MS : FIRST_LOAD_RETRY_MS);
    timer.unref();
  }

  async function loadSnapshot(): Promise<boolean> {
    try {
      const response = await fetch(options.snapshotUrl, {
        headers: {
          [INTERNAL_TOKEN_HEADER]: signInternalToken(options.internalTokenSecret, {
            principal: null,
            correlationId: 'gateway',
          }),
        },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`identity answered ${response.status}`);
      for (const revocation of snapshotSchema.parse(await response.json()).revocations) list.add(revocation);
      list.prune();
      return true;
    } catch (error) {
      log.warn({ err: error }, 'could not load token revocations from identity; relying on events until the next try');
      return false;
    }
  }

  return {
    list,
    get loaded() {
      return loaded;
    },
    async start() {
      stopped = false;
      // Subscribe first, then load: a revocation made in between is in one or the other.
      subscription = await options.transport.subscribe({
        // Every replica needs every revocation, so each is its own consumer group.
        groupId: `gateway.revocations.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`,
        topics: ['identity-events'],
        fromBeginning: false,
        handle: async (_topic, value) => {
          const envelope = eventEnvelopeSchema.safeParse(value);
          if (!envelope.success || envelope.data.type !== 'TokensRevoked') return;
          const revocation = revocationSchema.safeParse(envelope.data.payload);
          if (revocation.success) list.add(revocation.data);
          else {
            log.warn(
              { eventId: envelope.data.id, correlationId: envelope.data.correlationId },
              'ignored a malformed TokensRevoked event',
            );
          }
        },
      });
      await loadAndSchedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await subscription?.stop();
    },
  };
}
