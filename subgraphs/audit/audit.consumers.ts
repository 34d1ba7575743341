/**
 * The audit log's one consumer, `audit.log`: every topic of SPEC §6 (`TOPICS`), every event type, each event
 * appended to the chain in the consumer's transaction. The platform records the event id in that transaction
 * (`processed_event`), and the log's unique key on the event id is a second guard: a redelivery, a replay from the
 * first offset under another consumer group, or a second replica adds nothing.
 */
import { TOPICS } from '../../platform/events/envelope.ts';
import type { ConsumerSpec } from '../../platform/subgraph.ts';
import { AuditChainRepository } from './audit-chain.repository.ts';
import { auditEntryOf } from './audit.rules.ts';

/** The consumer's name, which is also its consumer group. */
export const AUDIT_CONSUMER = 'audit.log';

/** The audit consumer; `clock` stamps `recordedAt`. */
export function auditConsumers(clock: () => Date, name = AUDIT_CONSUMER): ConsumerSpec[] {
  return [
    {
      name,
      topics: TOPICS,
      handlers: {},
      defaultHandler: async (em, event, _log, { topic }) => {
        await new AuditChainRepository(em).append(auditEntryOf(topic, event), clock());
      },
    },
  ];
}
