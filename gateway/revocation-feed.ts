/**
 * Keeps the gateway's revocation list (`platform/auth/revocations.ts`) current: `TokensRevoked` events from
 * `identity-events` apply at once; identity's recent revocations are loaded at start-up (covering what happened
 * before this replica existed) and reloaded every minute (covering an event this replica missed).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../platform/auth/internal-token.ts';
import { RevocationList, tokenRevocationSchema } from '../platform/auth/revocations.ts';
import { eventEnvelopeSchema } from '../platform/events/envelope.ts';
import type { EventTransport } from '../platform/events/transport.ts';
import type { Logger } from '../platform/logger.ts';

export interface RevocationFeedOptions {
  transport: EventTransport;
  /** Identity's `/internal/revocations`. */
  snapshotUrl: string;
  internalTokenSecret: string;
  /** Access-token lifetime in seconds: how long a revocation matters. */
  accessTokenTtlSeconds: number;
  logger: Logger;
  /** Reload interval in milliseconds. */
  reloadMs?: number;
}

export interface RevocationFeed {
  readonly list: RevocationList;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const snapshotSchema = z.object({ revocations: z.array(tokenRevocationSchema) });

export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const log = options.logger.child({ component: 'revocations' });
  const list = new RevocationList(options.accessTokenTtlSeconds * 1000 + 5 * 60_000);
  let subscription: { stop(): Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function loadSnapshot(): Promise<void> {
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
    } catch (error) {
      log.warn({ err: error }, 'could not load token revocations from identity; relying on events until the next try');
    }
  }

  return {
    list,
    async start() {
      // Subscribe first, then load: a revocation made in between is in one or the other.
      subscription = await options.transport.subscribe({
        // Every replica needs every revocation, so each is its own consumer group.
        groupId: `gateway.revocations.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`,
        topics: ['identity-events'],
        fromBeginning: false,
        handle: async (_topic, value) => {
          const envelope = eventEnvelopeSchema.safeParse(value);
          if (!envelope.success || envelope.data.type !== 'TokensRevoked') return;
          const revocation = tokenRevocationSchema.safeParse(envelope.data.payload);
          if (revocation.success) list.add(revocation.data);
          else log.warn({ eventId: envelope.data.id }, 'ignored a malformed TokensRevoked event');
        },
      });
      await loadSnapshot();
      timer = setInterval(() => void loadSnapshot(), options.reloadMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await subscription?.stop();
    },
  };
}
