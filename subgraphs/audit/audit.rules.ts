/**
 * How an event envelope (SPEC §6) becomes one audit log entry (SPEC §8): pure functions, mapped to FHIR R4
 * `AuditEvent` as `subgraphs/audit/README.md` tabulates.
 *
 * - who: the envelope's actor (`agent.who`, `agent.role`); when: `occurredAt` (`period`);
 * - what: the action (`action`: C, R, U, D, E) from the event type, and the resource type and ids (`entity.what`)
 *   from the topic, the type and the payload;
 * - whose: the payload's `patientId` (`entity.what` of type Patient);
 * - outcome (`outcome`: 0, 4, 8) from the payload's `outcome`, else success;
 * - details: ids and codes only. Names, contact points, birth dates, tokens and free text never reach the log.
 *
 * Payloads are read leniently: an event of a type or shape this module does not know is still logged, with what
 * the envelope says (its aggregate id, its topic's resource type).
 */
import { z } from 'zod';
import { roleSchema, type Role } from '../../platform/auth/principal.ts';
import type { EventEnvelope } from '../../platform/events/envelope.ts';

/** What was done (FHIR `AuditEvent.action`, in words). */
export const AUDIT_ACTIONS = ['CREATE', 'READ', 'UPDATE', 'DELETE', 'EXECUTE'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** How it ended (FHIR `AuditEvent.outcome`, in words). */
export const AUDIT_OUTCOMES = ['SUCCESS', 'DENIED', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** FHIR R4 `AuditEvent.action` codes (value set `audit-event-action`). */
export const FHIR_ACTION: Record<AuditAction, 'C' | 'R' | 'U' | 'D' | 'E'> = {
  CREATE: 'C',
  READ: 'R',
  UPDATE: 'U',
  DELETE: 'D',
  EXECUTE: 'E',
};

/** FHIR R4 `AuditEvent.outcome` codes (value set `audit-event-outcome`): 0 success, 4 minor, 8 serious failure. */
export const FHIR_OUTCOME: Record<AuditOutcome, '0' | '4' | '8'> = { SUCCESS: '0', DENIED: '4', FAILED: '8' };

/** The event types of `access-events` (SPEC §6: reads of clinical data, and operations performed). */
export const ACCESS_EVENT = {
  PatientRecordAccessed: 'PatientRecordAccessed',
  OperationPerformed: 'OperationPerformed',
} as const;

/** How one event type is logged: its action and the resource it is about (the payload property holding its id). */
export interface EventMapping {
  action: AuditAction;
  resourceType: string;
  /** Payload property with the resource's id; the envelope's `aggregateId` when absent. */
  idField: string | null;
}

const m = (action: AuditAction, resourceType: string, idField: string | null): EventMapping => ({
  action,
  resourceType,
  idField,
});

/**
 * Every event type the graph raises today, by topic (from the subgraphs' `*.events.ts`; a unit test fails when one
 * is missing). Actions follow the type's verb: Created, Registered, Booked, Issued, SignedUp, Imported, Added are
 * CREATE; Archived, Voided, Deleted, Revoked are DELETE; the access events READ and EXECUTE; the rest UPDATE.
 */
export const EVENT_MAPPINGS: Readonly<Record<string, Readonly<Record<string, EventMapping>>>> = {
  'identity-events': {
    UserSignedUp: m('CREATE', 'User', 'userId'),
    StaffUserCreated: m('CREATE', 'User', 'userId'),
    UserDisabled: m('UPDATE', 'User', 'userId'),
    UserEnabled: m('UPDATE', 'User', 'userId'),
    DoctorLinked: m('UPDATE', 'User', 'userId'),
    PasswordChanged: m('UPDATE', 'User', 'userId'),
    PasswordResetRequested: m('UPDATE', 'User', 'userId'),
    TokensRevoked: m('DELETE', 'User', 'userId'),
  },
  'patient-events': {
    PatientRegistered: m('CREATE', 'Patient', 'patientId'),
    PatientUpdated: m('UPDATE', 'Patient', 'patientId'),
    PatientArchived: m('DELETE', 'Patient', 'patientId'),
  },
  'doctor-events': {
    DepartmentCreated: m('CREATE', 'Department', 'departmentId'),
    DoctorCreated: m('CREATE', 'Doctor', 'doctorId'),
    DoctorUpdated: m('UPDATE', 'Doctor', 'doctorId'),
    DoctorAvailabilitySet: m('UPDATE', 'Doctor', 'doctorId'),
  },
  'appointment-events': {
    AppointmentBooked: m('CREATE', 'Appointment', 'appointmentId'),
    AppointmentImported: m('CREATE', 'Appointment', 'appointmentId'),
    AppointmentConfirmed: m('UPDATE', 'Appointment', 'appointmentId'),
    AppointmentRejected: m('UPDATE', 'Appointment', 'appointmentId'),
    AppointmentRescheduled: m('UPDATE', 'Appointment', 'appointmentId'),
    AppointmentCancelled: m('UPDATE', 'Appointment', 'appointmentId'),
    AppointmentCheckedIn: m('UPDATE', 'Appointment', 'appointmentId'),
    AppointmentCompleted: m('UPDATE', 'Appointment', 'appointmentId'),
    AppointmentMarkedNoShow: m('UPDATE', 'Appointment', 'appointmentId'),
  },
  'billing-events': {
    BillIssued: m('CREATE', 'Bill', 'billId'),
    BillVoided: m('DELETE', 'Bill', 'billId'),
    BillPaid: m('UPDATE', 'Bill', 'billId'),
    BillRefunded: m('UPDATE', 'Bill', 'billId'),
    InsuranceClaimSubmitted: m('UPDATE', 'InsuranceClaim', 'claimId'),
    InsuranceClaimApproved: m('UPDATE', 'InsuranceClaim', 'claimId'),
    InsuranceClaimDenied: m('UPDATE', 'InsuranceClaim', 'claimId'),
  },
  'payment-events': {
    PaymentSucceeded: m('UPDATE', 'Payment', 'paymentId'),
    PaymentFailed: m('UPDATE', 'Payment', 'paymentId'),
    PaymentRefunded: m('UPDATE', 'Payment', 'paymentId'),
  },
  'prescription-events': {
    PrescriptionIssued: m('CREATE', 'Prescription', 'prescriptionId'),
    PrescriptionImported: m('CREATE', 'Prescription', 'prescriptionId'),
    MedicalRecordEntryAdded: m('CREATE', 'MedicalRecordEntry', 'entryId'),
    MedicalRecordEntryImported: m('CREATE', 'MedicalRecordEntry', 'entryId'),
    MedicineCreated: m('CREATE', 'Medicine', 'medicineId'),
    MedicineUpdated: m('UPDATE', 'Medicine', 'medicineId'),
  },
  'notification-events': {
    NotificationCreated: m('CREATE', 'Notification', 'notificationId'),
    NotificationSent: m('UPDATE', 'Notification', 'notificationId'),
    NotificationFailed: m('UPDATE', 'Notification', 'notificationId'),
    NotificationTemplateUpdated: m('UPDATE', 'NotificationTemplate', 'templateId'),
  },
  'access-events': {
    // Resource type and ids come from the payload (see `accessPayload`).
    PatientRecordAccessed: m('READ', 'Patient', 'patientId'),
    OperationPerformed: m('EXECUTE', 'Operation', null),
  },
};

/** The subgraph that publishes on each topic (FHIR `source.observer`); access events name theirs in the payload. */
export const SOURCE_OF_TOPIC: Readonly<Record<string, string>> = {
  'identity-events': 'identity',
  'patient-events': 'patients',
  'doctor-events': 'doctors',
  'appointment-events': 'appointments',
  'billing-events': 'billing',
  'payment-events': 'payments',
  'prescription-events': 'prescriptions',
  'notification-events': 'notifications',
  'access-events': 'access',
};

/** The resource type of an event of a type this module does not know, by its topic. */
const DEFAULT_RESOURCE_OF_TOPIC: Readonly<Record<string, string>> = {
  'identity-events': 'User',
  'patient-events': 'Patient',
  'doctor-events': 'Doctor',
  'appointment-events': 'Appointment',
  'billing-events': 'Bill',
  'payment-events': 'Payment',
  'prescription-events': 'Prescription',
  'notification-events': 'Notification',
  'access-events': 'Operation',
};

/**
 * The action of an event type that has no entry in `EVENT_MAPPINGS`, from its verb (the same rule the table
 * follows): CREATE, DELETE, READ or EXECUTE by suffix or name, else UPDATE.
 */
export function actionOfType(type: string): AuditAction {
  if (type === ACCESS_EVENT.PatientRecordAccessed) return 'READ';
  if (type === ACCESS_EVENT.OperationPerformed) return 'EXECUTE';
  if (/(Created|Registered|Booked|Issued|SignedUp|Imported|Added)$/.test(type)) return 'CREATE';
  if (/(Archived|Voided|Deleted|Revoked)$/.test(type)) return 'DELETE';
  return 'UPDATE';
}

/** How an event of `type` on `topic` is logged: its table entry, or the defaults for an unknown type. */
export function mappingOf(topic: string, type: string): EventMapping {
  return (
    EVENT_MAPPINGS[topic]?.[type] ?? {
      action: actionOfType(type),
      resourceType: DEFAULT_RESOURCE_OF_TOPIC[topic] ?? 'Unknown',
      idField: null,
    }
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An identifier: no spaces, no `@`, nothing that could be a name, an address or a sentence. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A GraphQL name (a type, an operation, a field or `Type.field`) or a subgraph's name. */
const NAME = /^[_A-Za-z][_0-9A-Za-z.-]{0,99}$/;
/** An enumerated code, SCREAMING_SNAKE (`DENIED`, `SIGN_OUT`, `LATE`). Free text never matches. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Payload properties kept in `details` as names; the others kept are ids (`…Id`, `…Ids`, `id`) and `CODE_KEYS`. */
const NAME_KEYS = new Set(['field', 'operationName', 'subgraph', 'resourceType']);
/** Payload properties kept in `details` as enumerated codes, when their value is one. */
const CODE_KEYS = new Set([
  'action',
  'audience',
  'band',
  'channel',
  'errorCode',
  'eventType',
  'failureCode',
  'kind',
  'method',
  'operationType',
  'outcome',
  'reason',
  'roles',
  'status',
]);

const isId = (value: unknown): value is string => typeof value === 'string' && ID.test(value);

function keptValue(key: string, value: unknown, depth: number): unknown {
  if (key === 'id' || key.endsWith('Id')) return isId(value) ? value : undefined;
  if (key.endsWith('Ids')) return Array.isArray(value) && value.every(isId) ? value : undefined;
  if (NAME_KEYS.has(key)) return typeof value === 'string' && NAME.test(value) ? value : undefined;
  if (CODE_KEYS.has(key)) {
    if (typeof value === 'string') return CODE.test(value) ? value : undefined;
    if (Array.isArray(value))
      return value.every((item) => typeof item === 'string' && CODE.test(item)) ? value : undefined;
    return undefined;
  }
  if (depth < 2 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const nested = idsAndCodes(value as Record<string, unknown>, depth + 1);
    return Object.keys(nested).length > 0 ? nested : undefined;
  }
  return undefined;
}

/**
 * What of a payload may be kept in the log: ids (`id`, `…Id`, `…Ids` with identifier values), names of fields,
 * operations and subgraphs, and enumerated codes (`CODE_KEYS` with SCREAMING_SNAKE values), also inside nested
 * objects (two levels). Everything else is dropped: names, emails, phones, birth dates, addresses, tokens
 * (`resetToken`), amounts, messages, free-text reasons, a `contact` object as a whole.
 */
export function idsAndCodes(payload: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    const keep = keptValue(key, value, depth);
    if (keep !== undefined) kept[key] = keep;
  }
  return kept;
}

/** The parts of any payload this module reads, all optional: an unknown shape is still logged. */
const commonPayload = z.looseObject({
  patientId: z.unknown().optional(),
  outcome: z.unknown().optional(),
});

/**
 * `PatientRecordAccessed` and `OperationPerformed` as the audit log reads them (the contract of
 * `platform/audit/`), every field optional.
 */
const accessPayload = z.looseObject({
  resourceType: z.string().regex(NAME).nullish().catch(null),
  resourceIds: z.array(z.string().regex(ID)).nullish().catch(null),
  resourceId: z.string().regex(ID).nullish().catch(null),
  subgraph: z.string().regex(NAME).nullish().catch(null),
  field: z.string().regex(NAME).nullish().catch(null),
});

const outcomeSchema = z.enum(AUDIT_OUTCOMES);

/** An audit entry's content, as mapped from an event (the chain adds position, hashes and the time stored). */
export interface AuditEntryContent {
  eventId: string;
  eventType: string;
  occurredAt: Date;
  actorId: string | null;
  actorRoles: Role[];
  action: AuditAction;
  resourceType: string;
  resourceIds: string[];
  patientId: string | null;
  outcome: AuditOutcome;
  correlationId: string;
  source: string;
  details: Record<string, unknown>;
}

/** Longest correlation id kept (the column's length); a longer one is cut. */
export const MAX_CORRELATION_ID_LENGTH = 200;

/**
 * The audit entry of `event`, read from `topic` (SPEC §8; FHIR mapping in the audit README). Never throws on a
 * payload's shape: what cannot be read is left out.
 */
export function auditEntryOf(topic: string, event: EventEnvelope): AuditEntryContent {
  const mapping = mappingOf(topic, event.type);
  const payload = event.payload;
  const common = commonPayload.parse(payload);
  const patientId = typeof common.patientId === 'string' && UUID.test(common.patientId) ? common.patientId : null;
  const outcome = outcomeSchema.safeParse(common.outcome);

  let resourceType = mapping.resourceType;
  const rawId = mapping.idField ? payload[mapping.idField] : undefined;
  let resourceIds = [isId(rawId) ? rawId : event.aggregateId];
  let source = SOURCE_OF_TOPIC[topic] ?? topic.replace(/-events$/, '');

  if (topic === 'access-events') {
    const access = accessPayload.parse(payload);
    if (access.subgraph) source = access.subgraph;
    if (event.type === ACCESS_EVENT.PatientRecordAccessed) {
      resourceType = access.resourceType ?? 'Patient';
      resourceIds = access.resourceIds ?? (patientId ? [patientId] : []);
    } else {
      // An operation names what it touched when it knows; otherwise the field performed is the resource.
      resourceType = access.resourceType ?? 'Operation';
      resourceIds = access.resourceId
        ? [access.resourceId]
        : access.resourceType
          ? []
          : access.field
            ? [access.field]
            : [];
    }
  }

  return {
    eventId: event.id,
    eventType: event.type,
    occurredAt: new Date(event.occurredAt),
    actorId: event.actor.userId,
    actorRoles: event.actor.roles.filter((role) => roleSchema.safeParse(role).success),
    action: mapping.action,
    resourceType,
    resourceIds,
    patientId,
    outcome: outcome.success ? outcome.data : 'SUCCESS',
    correlationId: event.correlationId.slice(0, MAX_CORRELATION_ID_LENGTH),
    source,
    details: {
      aggregateId: isId(event.aggregateId) ? event.aggregateId : null,
      eventVersion: event.version,
      ...idsAndCodes(payload),
    },
  };
}
