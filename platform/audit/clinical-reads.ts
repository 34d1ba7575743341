/**
 * The one mechanism that records reads of clinical data (SPEC §6, §8), so that no resolver has to remember it.
 *
 * A type marked `@clinical(patientIdField: "…")` in a subgraph's SDL is clinical data: patient profiles,
 * prescriptions, medical record entries. `recordClinicalReads` wraps every field resolver of such a type, so
 * whenever a request resolves any field of such an object (the only way its data can reach a client, whichever
 * field, root or nested, or `_entities` lookup produced it), the object is noted in the request's
 * `ClinicalReadLog`. Before the response leaves the subgraph, `clinicalReadsPlugin` turns the log into
 * `PatientRecordAccessed` events on `access-events`, written through the outbox in their own transaction:
 * exactly one event per patient and resource type per subgraph request, naming who (the envelope's actor), whose
 * (`patientId`) and what (`resourceType`, `resourceIds`, the operation). If the events cannot be written the
 * response is replaced by an `INTERNAL_SERVER_ERROR` and carries no data: a clinical read is never unrecorded.
 *
 * An object is noted when one of its fields resolves, after that field's access policy passed (the wrapper sits
 * inside `enforceAccessPolicy`'s guard). A read refused before any object is produced (a `FORBIDDEN` on the root
 * field, on `Patient.prescriptions` or in a reference resolver) returns no clinical data and records nothing here.
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

/** Payload of `PatientRecordAccessed` (version 1). Who read is the envelope's `actor`. */
export interface PatientRecordAccessedPayload extends ClinicalRead {
  /** FHIR `AuditEvent.action` R (read). */
  action: 'READ';
  /** Outcome of the read; only successful reads reach the client, so always `SUCCESS` here. */
  outcome: 'SUCCESS';
  /** The subgraph that served the data. */
  subgraph: string;
  /** The GraphQL operation name the subgraph received (the gateway derives it from the client's), or null. */
  operationName: string | null;
}

/** The clinical objects one request has read so far, grouped by patient and resource type. */
export class ClinicalReadLog {
  readonly #reads = new Map<string, { patientId: string; resourceType: string; ids: Set<string> }>();

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
    return this.#reads.size === 0;
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

/**
 * The Apollo Server plugin that writes a request's clinical reads before its response is sent (see the module
 * comment). A request that read nothing clinical costs nothing.
 */
export function clinicalReadsPlugin<Context extends RequestContext>(
  options: ClinicalReadsPluginOptions,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operationName }) {
          const log = contextValue.clinicalReads;
          if (!log || log.isEmpty) return;
          try {
            await options.transaction((em) =>
              emitAccessEvents(em, contextValue, log.reads(), {
                subgraph: options.subgraph,
                operationName: operationName ?? null,
              }),
            );
          } catch (error) {
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
