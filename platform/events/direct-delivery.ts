/**
 * Direct delivery: a producer hands an event it has just committed straight to a consuming subgraph, over
 * `POST /internal/events`, when the consumer's effect must exist before the producer answers (a patient's record
 * right after sign-up). It does not replace the outbox: the same event still arrives through the transport, and
 * the consumer's idempotency (the event id in `processed_event`) makes the second arrival a no-op. The request
 * carries the event's W3C `traceparent`, so the consumer's span joins the producer's trace as it would from Kafka.
 */
import { INTERNAL_TOKEN_HEADER, internalOnly, signInternalToken } from '../auth/internal-token.ts';
import type { Express } from 'express';
import express from 'express';
import type { EventConsumer } from './consumer.ts';
import type { EventEnvelope } from './envelope.ts';
import { TRACEPARENT, TRACESTATE } from '../observability/tracing.ts';

export const EVENTS_PATH = '/internal/events';

/** Where to reach a peer subgraph: its base URL (e.g. `http://patients:4002`), or undefined. */
export type PeerUrl = (subgraph: string) => string | undefined;

/**
 * Sends `envelope` (published on `topic`) to `subgraph`'s consumers and waits until they have handled it.
 *
 * @throws Error when the peer is unknown, unreachable, slower than `timeoutMs`, or answers with an error.
 */
export async function deliverDirectly(
  options: { peerUrl: PeerUrl; secret: string; timeoutMs?: number },
  subgraph: string,
  topic: string,
  envelope: EventEnvelope<object>,
): Promise<void> {
  const base = options.peerUrl(subgraph);
  if (!base) throw new Error(`no address for subgraph ${subgraph}`);
  const trace: Record<string, string> = {};
  if (envelope.traceparent) trace[TRACEPARENT] = envelope.traceparent;
  if (envelope.tracestate) trace[TRACESTATE] = envelope.tracestate;
  const response = await fetch(new URL(EVENTS_PATH, base), {
    method: 'POST',
    headers: {
      ...trace,
      'content-type': 'application/json',
      [INTERNAL_TOKEN_HEADER]: signInternalToken(options.secret, {
        principal: null,
        correlationId: envelope.correlationId,
      }),
    },
    body: JSON.stringify({ topic, value: envelope }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  if (!response.ok) throw new Error(`${subgraph} answered ${response.status} to a direct delivery`);
}

/** Mounts `POST /internal/events`: the message goes to every consumer of this subgraph subscribed to its topic. */
export function mountEventIntake(app: Express, secret: string, consumers: () => readonly EventConsumer[]): void {
  app.post(EVENTS_PATH, internalOnly(secret), express.json({ limit: '256kb' }), async (req, res, next) => {
    try {
      const { topic, value } = req.body as { topic?: unknown; value?: unknown };
      if (typeof topic !== 'string') {
        res.status(400).json({ errors: [{ message: 'topic is required', extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
      const headers = { [TRACEPARENT]: req.header(TRACEPARENT), [TRACESTATE]: req.header(TRACESTATE) };
      const outcomes = [];
      for (const consumer of consumers().filter((candidate) => candidate.topics.includes(topic))) {
        outcomes.push({ consumer: consumer.name, outcome: await consumer.handle(topic, value, headers) });
      }
      res.json({ outcomes });
    } catch (error) {
      next(error);
    }
  });
}
