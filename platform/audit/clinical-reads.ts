/**
 * The one mechanism that records reads of clinical data (SPEC §6, §8), so that no resolver has to remember it.
 *
 * A type marked `@clinical(patientIdField: "…")` in a subgraph's SDL is clinical data: patient profiles,
 * prescriptions, medical record entries. `recordClinicalReads` wraps every field resolver of such a type, so
 * whenever a request resolves any field of such an object (the only way its data can reach a client, whichever
 * field, root or nested, or `_entities` lookup produced it), the object is noted in the request's
 * `ClinicalReadLog`. Before the response leaves the subgraph, `auditPlugin` turns the log into
 * `PatientRecordAccessed` events on `access-events`, written through the outbox in their own transaction:
 * exactly one event per patient and resource type per subgraph request, naming who (the envelope's actor), whose
 * (`patientId`) and what (`resourceType`, `resourceIds`, the operation). If the events cannot be written the
 * response is replaced by an `INTERNAL_SERVER_ERROR` and carries no data: a clinical read is never unrecorded.
 *
 * An object is noted when one of its fields resolves, after that field's access policy passed (the wrapper sits
 * inside `enforceAccessPolicy`'s guard). A read refused before any object is produced (a `FORBIDDEN` on the root
 * field, on `Patient.prescriptions` or in a reference resolver) returns no clinical data; `operations.ts` notes it
 * as a denied read (not in reference resolvers: an `_entities` lookup the policy refuses is not recorded).
 */
import { getDirective } from '@graphql-tools/utils';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { EntityManager } from '../db/orm.ts';
import { ErrorCode } from '../errors.ts';
import { emitEvent } from '../events/outbox.ts';
import type { Actor, RequestContext } from '../graphql/context.ts';
import { OPERATION_PERFORMED, type OperationPerformedPayload, type PerformedOperation } from './operations.ts';

/** Name of the directive in the SDL (declared in `schema/common.graphql`). */
export const CLINICAL_DIRECTIVE = 'clinical';

/** Topic of access events (SPEC §6). */
export const ACCESS_TOPIC = 'access-events';

/** The event type every clinical read raises. */
export const PATIENT_RECORD_ACCESSED = 'PatientRecordAccessed';

/** What one subgraph request read of one patient's data of one resource type. */
export interface ClinicalRead {
  patientId: string;
  /** The GraphQL type read, e.g. `Patient`, `Prescription`, `MedicalRecordEntry` (the FHIR resource type). */
  resourceType: string;
  /** Ids of the objects read, sorted. */
  resourceIds: string[];
}

/** A read of clinical data the subgraph refused (`FORBIDDEN`, `UNAUTHENTICATED`): nothing was returned. */
export interface DeniedClinicalRead {
  /** The clinical type asked for. */
  resourceType: string;
  /** The field that refused, e.g. `Query.patient` or `Patient.prescriptions`. */
  field: string;
  errorCode: string;
  /** Whose record was asked for, where the request names them (an argument, or the clinical parent object). */
  patientId: string | null;
}

/**
 * Payload of `PatientRecordAccessed` (version 1). Who read is the envelope's `actor`. `SUCCESS`: data of the patient
 * left the subgraph; `DENIED`: the read was refused (`resourceIds` empty, `patientId` null where the request did not
 * name the patient), with the field and the error code.
 */
export type PatientRecordAccessedPayload = {
  /** FHIR `AuditEvent.action` R (read). */
  action: 'READ';
  /** The subgraph that served (or refused) the data. */
  subgraph: string;
  /** The GraphQL operation name the subgraph received (the gateway derives it from the client's), or null. */
  operationName: string | null;
} & (
  | (ClinicalRead & { outcome: 'SUCCESS' })
  | {
      outcome: 'DENIED';
      patientId: string | null;
      resourceType: string;
      resourceIds: [];
      field: string;
      errorCode: string;
    }
);

/** The clinical objects one request has read so far, grouped by patient and resource type, and the refused reads. */
export class ClinicalReadLog {
  readonly #reads = new Map<string, { patientId: string; resourceType: string; ids: Set<string> }>();
  readonly #denied: DeniedClinicalRead[] = [];

  /** Notes a refused read (see `platform/audit/operations.ts`). */
  noteDenied(read: DeniedClinicalRead): void {
    this.#denied.push(read);
  }

  /** The refused reads, in order. */
  denied(): readonly DeniedClinicalRead[] {
    return this.#denied;
  }

  /** Notes that `resourceType` object `resourceId` of patient `patientId` was read. Idempotent. */
  note(resourceType: string, resourceId: string, patientId: string): void {
    const key = `${patientId}\u0000${resourceType}`;
    let read = this.#reads.get(key);
    if (!read) {
      read = { patientId, resourceType, ids: new Set() };
      this.#reads.set(key, read);
    }
    read.ids.add(resourceId);
  }

  get isEmpty(): boolean {
    return this.#reads.size === 0 && this.#denied.length === 0;
  }

  /** Everything noted, one entry per patient and resource type. */
  reads(): ClinicalRead[] {
    return [...this.#reads.values()].map(({ patientId, resourceType, ids }) => ({
      patientId,
      resourceType,
      resourceIds: [...ids].sort(),
    }));
  }
}

/** Whatever a request context carries for this mechanism. */
interface ContextWithReads {
  clinicalReads?: ClinicalReadLog | undefined;
}

/** The clinical types of `schema` and the property holding each one's patient id. */
export function clinicalTypes(schema: GraphQLSchema): Map<GraphQLObjectType, string> {
  const types = new Map<GraphQLObjectType, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const [args] = getDirective(schema, type, CLINICAL_DIRECTIVE) ?? [];
    if (args) types.set(type, args.patientIdField as string);
  }
  return types;
}

function idOf(source: unknown, property: string, type: string): string {
  const value = (source as Record<string, unknown> | null)?.[property];
  if (typeof value !== 'string' || value === '')
    throw new Error(`A ${type} object has no ${property}: its read cannot be recorded.`);
  return value;
}

/**
 * Wraps, in place, every field resolver of every `@clinical` type of `schema` so that resolving it notes the
 * object in `context.clinicalReads`. Call before `enforceAccessPolicy`, so that the note is taken only after the
 * access check passed.
 *
 * @throws Error (when a field resolves) if the object lacks an `id` or its `patientIdField`: a read that cannot
 *   be attributed must fail rather than go unrecorded.
 */
export function recordClinicalReads(schema: GraphQLSchema): GraphQLSchema {
  for (const [type, patientIdField] of clinicalTypes(schema)) {
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, ContextWithReads> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const result = resolve(source, args, context, info);
        context.clinicalReads?.note(type.name, idOf(source, 'id', type.name), idOf(source, patientIdField, type.name));
        return result;
      };
    }
  }
  return schema;
}

/** Runs `write` in a new transaction of the subgraph's own database (whose outbox publishes the events). */
export type AccessEventTransaction = (write: (em: EntityManager) => void) => Promise<void>;

export interface ClinicalReadsPluginOptions {
  subgraph: string;
  transaction: AccessEventTransaction;
}

/** Raises one `PatientRecordAccessed` per read of `log`, in `em`'s unit of work. */
export function emitAccessEvents(
  em: EntityManager,
  actor: Actor,
  reads: ClinicalRead[],
  meta: { subgraph: string; operationName: string | null },
): void {
  for (const read of reads) {
    emitEvent<PatientRecordAccessedPayload>(em, ACCESS_TOPIC, actor, {
      type: PATIENT_RECORD_ACCESSED,
      aggregateId: read.patientId,
      payload: { ...read, action: 'READ', outcome: 'SUCCESS', ...meta },
    });
  }
}

/** Raises one `PatientRecordAccessed` with outcome `DENIED` per refused read, in `em`'s unit of work. */
export function emitDeniedAccessEvents(
  em: EntityManager,
  actor: Actor,
  denied: readonly DeniedClinicalRead[],
  meta: { subgraph: string; operationName: string | null },
): void {
  for (const read of denied) {
    emitEvent<PatientRecordAccessedPayload>(em, ACCESS_TOPIC, actor, {
      type: PATIENT_RECORD_ACCESSED,
      aggregateId: read.patientId ?? actor.correlationId,
      payload: { ...read, resourceIds: [], action: 'READ', outcome: 'DENIED', ...meta },
    });
  }
}

/** Raises one `OperationPerformed` per mutation field of `operations`, in `em`'s unit of work. */
export function emitOperationEvents(
  em: EntityManager,
  actor: Actor,
  operations: readonly PerformedOperation[],
  meta: { subgraph: string; operationName: string | null },
): void {
  for (const operation of operations) {
    emitEvent<OperationPerformedPayload>(em, ACCESS_TOPIC, actor, {
      type: OPERATION_PERFORMED,
      // Keyed by the request: the resource's own events keep their key (and their order) to themselves.
      aggregateId: actor.correlationId,
      payload: { ...operation, ...meta },
    });
  }
}

/**
 * The Apollo Server plugin that writes a request's audit trail before its response is sent, in one transaction of the
 * subgraph's outbox: its clinical reads (see the module comment), its refused clinical reads and the mutations it
 * performed (`platform/audit/operations.ts`). A request that read nothing clinical and changed nothing costs
 * nothing. If the trail cannot be written, a response carrying clinical data is withheld (a clinical read is never
 * unrecorded); a mutation's response is kept, since its change has already committed, and the failure is logged.
 */
export function auditPlugin<Context extends RequestContext>(
  options: ClinicalReadsPluginOptions,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName }) {
          const reads = contextValue.clinicalReads;
          const operations = contextValue.operations;
          const readSomething = reads !== undefined && reads.reads().length > 0;
          if ((!reads || reads.isEmpty) && (!operations || operations.isEmpty)) return;
          const meta = { subgraph: options.subgraph, operationName: operationName ?? null };
          try {
            await options.transaction((em) => {
              if (reads) {
                emitAccessEvents(em, contextValue, reads.reads(), meta);
                emitDeniedAccessEvents(em, contextValue, reads.denied(), meta);
              }
              if (operations) emitOperationEvents(em, contextValue, operations.operations(), meta);
            });
          } catch (error) {
            if (!readSomething) {
              contextValue.logger.error({ err: error }, 'the audit trail of a request could not be recorded');
              return;
            }
            contextValue.logger.error({ err: error }, 'clinical reads could not be recorded; the response is withheld');
            response.body = {
              kind: 'single',
              singleResult: {
                data: null,
                errors: [
                  {
                    message: 'The read of clinical data could not be recorded, so nothing is returned. Try again.',
                    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
                  },
                ],
              },
            };
          }
        },
      };
    },
  };
}
