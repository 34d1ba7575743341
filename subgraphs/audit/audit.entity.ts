/**
 * The audit log (SPEC §8; FHIR R4 `AuditEvent`): one row per event of any topic (SPEC §6), in a hash chain
 * (`audit-chain.rules.ts`). Rows are only appended, at positions 1, 2, 3… without gaps, and removed from the oldest
 * end once past retention; nothing else changes them.
 *
 * Two single-row tables hold the chain's ends. `audit_chain_head` is the last position and hash: every append locks
 * it (`for update`), so appends form one total order whatever the concurrency, and a deleted tail is noticed.
 * `audit_chain_anchor` is the position and hash of the last row retention removed, where verification starts.
 * Both are created, at position 0 with the genesis hash, by the initial migration.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Role } from '../../platform/auth/principal.ts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from './audit.rules.ts';

const sha256Hex = (column: string) => `"${column}" ~ '^[0-9a-f]{64}$'`;

export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p.uuid().primary(),
    /** Place in the chain: 1, 2, 3… without gaps. */
    position: p.bigint('number').unique('audit_event_position_key'),
    /** The envelope id of the event recorded: one entry per event, however often it is delivered or replayed. */
    eventId: p.uuid().unique('audit_event_event_id_key'),
    eventType: p.string().length(100),
    /** When it happened (the event's `occurredAt`; FHIR `period`). */
    occurredAt: p.datetime(),
    /** When the audit log stored it (FHIR `recorded`). */
    recordedAt: p.datetime(),
    /** Who (FHIR `agent.who`); null for work of the system. */
    actorId: p.uuid().nullable(),
    /** Their roles then (FHIR `agent.role`). */
    actorRoles: p.array<Role>(),
    action: p.enum(AUDIT_ACTIONS),
    /** FHIR `entity.what`: the resource type and ids. */
    resourceType: p.string().length(100),
    resourceIds: p.array<string>(),
    /** Whose record (FHIR `entity.what` of type Patient), when the event names a patient. */
    patientId: p.uuid().nullable(),
    outcome: p.enum(AUDIT_OUTCOMES),
    correlationId: p.string().length(200),
    /** The subgraph that raised it (FHIR `source.observer`). */
    source: p.string().length(100),
    /** Ids and codes only (`idsAndCodes`). */
    details: p.json<Record<string, unknown>>(),
    previousHash: p.string().length(64),
    hash: p.string().length(64),
  },
  checks: [
    { name: 'audit_event_position_check', expression: '"position" > 0' },
    { name: 'audit_event_hash_check', expression: sha256Hex('hash') },
    { name: 'audit_event_previous_hash_check', expression: sha256Hex('previous_hash') },
    { name: 'audit_event_details_check', expression: `jsonb_typeof("details") = 'object'` },
  ],
  indexes: [
    // Newest first (occurred at, position), alone and after each filter.
    { name: 'audit_event_occurred_idx', properties: ['occurredAt', 'position'] },
    { name: 'audit_event_actor_idx', properties: ['actorId', 'occurredAt', 'position'] },
    { name: 'audit_event_patient_idx', properties: ['patientId', 'occurredAt', 'position'] },
    { name: 'audit_event_action_idx', properties: ['action', 'occurredAt', 'position'] },
    { name: 'audit_event_resource_type_idx', properties: ['resourceType', 'occurredAt', 'position'] },
    { name: 'audit_event_outcome_idx', properties: ['outcome', 'occurredAt', 'position'] },
    { name: 'audit_event_correlation_idx', properties: ['correlationId', 'occurredAt', 'position'] },
    // Retention removes the oldest by position; the unique key on position serves verification's pages.
    {
      name: 'audit_event_resource_ids_idx',
      expression: 'create index "audit_event_resource_ids_idx" on "audit"."audit_event" using gin ("resource_ids")',
    },
  ],
});
export type AuditEvent = InferEntity<typeof AuditEvent>;

/** The last entry appended: one row (`id` 1), locked by every append. */
export const AuditChainHead = defineEntity({
  name: 'AuditChainHead',
  tableName: 'audit_chain_head',
  properties: {
    id: p.smallint().primary().autoincrement(false),
    lastPosition: p.bigint('number'),
    lastHash: p.string().length(64),
    updatedAt: p.datetime().nullable(),
  },
  checks: [
    { name: 'audit_chain_head_single_check', expression: '"id" = 1' },
    { name: 'audit_chain_head_position_check', expression: '"last_position" >= 0' },
    { name: 'audit_chain_head_hash_check', expression: sha256Hex('last_hash') },
  ],
});
export type AuditChainHead = InferEntity<typeof AuditChainHead>;

/** The last entry removed by retention (position 0 and the genesis hash before any): one row (`id` 1). */
export const AuditChainAnchor = defineEntity({
  name: 'AuditChainAnchor',
  tableName: 'audit_chain_anchor',
  properties: {
    id: p.smallint().primary().autoincrement(false),
    position: p.bigint('number'),
    hash: p.string().length(64),
    /** When retention last moved it. */
    movedAt: p.datetime().nullable(),
  },
  checks: [
    { name: 'audit_chain_anchor_single_check', expression: '"id" = 1' },
    { name: 'audit_chain_anchor_position_check', expression: '"position" >= 0' },
    { name: 'audit_chain_anchor_hash_check', expression: sha256Hex('hash') },
  ],
});
export type AuditChainAnchor = InferEntity<typeof AuditChainAnchor>;

/** The single row's id of `audit_chain_head` and `audit_chain_anchor`. */
export const CHAIN_ROW_ID = 1;

export const auditEntities = [AuditEvent, AuditChainHead, AuditChainAnchor];
