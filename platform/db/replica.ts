/**
 * Read models a subgraph keeps of other domains' entities (a doctor's fee, a patient's status), copied from their
 * whole-state events. Events of one aggregate can arrive again or late (redelivery, replay); `asOf`, the event's
 * `occurredAt`, keeps the copy at the newest state it has seen.
 */
import type { EntityManager } from './orm.ts';

/**
 * Writes `replica` (keyed by `where`) unless the stored copy reflects a newer event. Call it inside the consumer's
 * transaction; the change is flushed with it.
 */
export async function applyReplica<Replica extends { asOf: Date }>(
  em: EntityManager,
  // Any entity schema whose rows carry `asOf`; MikroORM's own generics do not line up across `defineEntity` types.
  entity: unknown,
  where: Partial<Replica>,
  replica: Replica,
): Promise<void> {
  const schema = entity as Parameters<EntityManager['findOne']>[0];
  const existing = (await em.findOne(schema, where as never)) as Replica | null;
  if (!existing) {
    em.create(schema, replica as never);
  } else if (existing.asOf <= replica.asOf) {
    em.assign(existing as never, replica as never);
  }
}
