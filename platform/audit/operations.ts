/**
 * The one mechanism that records every mutation a subgraph executes, and every refused read of clinical data (SPEC
 * §8), so that no resolver has to remember it and a new mutation is covered without doing anything.
 *
 * `recordOperations` wraps, in place and outside the access policy's guard (so that refusals are seen):
 * - every `Mutation` field: whatever the outcome, the attempt is noted in the request's `OperationLog` — who (the
 *   request's actor), what (the field, the type it returns, the id of what it returned), whose (the patient it
 *   concerns, where the result or the input names one), and the outcome: `SUCCESS`, `DENIED` (`UNAUTHENTICATED`,
 *   `FORBIDDEN`) or `FAILED` (any other error, with its code);
 * - every field that returns a `@clinical` type or a connection of one (root fields such as `patient(id)`, nested
 *   ones such as `Patient.prescriptions`): a refusal is noted in the request's `ClinicalReadLog` as a denied read (successful
 *   reads are noted by `clinical-reads.ts`).
 *
 * `auditPlugin` (clinical-reads.ts) writes the notes through the outbox before the response leaves: one
 * `OperationPerformed` per mutation field on `access-events`. Requests refused before any resolver runs (a token
 * the gateway rejects, variables that do not coerce) change nothing and are not noted here.
 */
import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { domainErrorFromDatabase, DomainError, ErrorCode, type ConstraintError } from '../errors.ts';
import { clinicalTypes, type ClinicalReadLog } from './clinical-reads.ts';

/** Event type of a recorded mutation (on `access-events`). */
export const OPERATION_PERFORMED = 'OperationPerformed';

export type OperationOutcome = 'SUCCESS' | 'DENIED' | 'FAILED';

/** One mutation field a request executed (or tried to). */
export interface PerformedOperation {
  operationType: 'MUTATION';
  /** The root field, e.g. `bookAppointment`. */
  field: string;
  outcome: OperationOutcome;
  /** `extensions.code` of the error, for `DENIED` and `FAILED`. */
  errorCode: string | null;
  /** The GraphQL type the field returns, e.g. `Appointment` (the FHIR resource type where there is one). */
  resourceType: string | null;
  /** The id of what it returned, or of what it named (`id` argument) when it failed. */
  resourceId: string | null;
  /** The patient the operation concerns, when the result or the input names one. */
  patientId: string | null;
}

/** Payload of `OperationPerformed` (version 1). Who is the envelope's `actor`; when, its `occurredAt`. */
export interface OperationPerformedPayload extends PerformedOperation {
  subgraph: string;
  operationName: string | null;
}

/** The mutations one request performed, in order. */
export class OperationLog {
  readonly #operations: PerformedOperation[] = [];

  note(operation: PerformedOperation): void {
    this.#operations.push(operation);
  }

  get isEmpty(): boolean {
    return this.#operations.length === 0;
  }

  operations(): readonly PerformedOperation[] {
    return this.#operations;
  }
}

/** Whatever a request context carries for this mechanism. */
interface ContextWithLogs {
  operations?: OperationLog | undefined;
  clinicalReads?: ClinicalReadLog | undefined;
}

const DENIED_CODES = new Set<string>([ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN]);

/** The client-facing code of a thrown error (as the error formatter will report it). */
export function errorCodeOf(error: unknown, constraints: Record<string, ConstraintError> = {}): string {
  if (error instanceof DomainError) return error.code;
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') return error.extensions.code;
  return domainErrorFromDatabase(error, constraints)?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
}

export const outcomeOf = (code: string): OperationOutcome => (DENIED_CODES.has(code) ? 'DENIED' : 'FAILED');

const stringOr = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};

/** What an operation acted on: from its result when it has one, else from its arguments. */
function subjectOf(
  resourceType: string,
  result: unknown,
  args: Record<string, unknown>,
): Pick<PerformedOperation, 'resourceType' | 'resourceId' | 'patientId'> {
  const input = record(args.input);
  const resourceId = stringOr(record(result).id) ?? stringOr(args.id) ?? stringOr(input.id);
  const patientId =
    resourceType === 'Patient'
      ? resourceId
      : (stringOr(record(result).patientId) ?? stringOr(input.patientId) ?? stringOr(args.patientId));
  return { resourceType, resourceId, patientId };
}

/** Calls `onError` when `resolve` throws or its promise rejects, without changing what it returns. */
function observeFailure(
  resolve: GraphQLFieldResolver<unknown, ContextWithLogs>,
  onError: (error: unknown, source: unknown, args: Record<string, unknown>, context: ContextWithLogs) => void,
): GraphQLFieldResolver<unknown, ContextWithLogs> {
  return (source, args, context, info) => {
    try {
      const result = resolve(source, args, context, info);
      if (result instanceof Promise) {
        return result.catch((error: unknown) => {
          onError(error, source, args, context);
          throw error;
        });
      }
      return result;
    } catch (error) {
      onError(error, source, args, context);
      throw error;
    }
  };
}

/**
 * The clinical type a field's (named) return type holds: the type itself, or the `node` of a cursor connection
 * (`XxxConnection { edges { node } }`, SPEC §9).
 */
function clinicalTypeReturnedBy(
  type: GraphQLNamedType,
  clinical: Map<GraphQLObjectType, string>,
): GraphQLObjectType | undefined {
  if (!isObjectType(type)) return undefined;
  if (clinical.has(type)) return type;
  const edges = type.getFields().edges;
  const edge = edges ? getNamedType(edges.type) : undefined;
  const node = edge && isObjectType(edge) ? edge.getFields().node : undefined;
  const nodeType = node ? getNamedType(node.type) : undefined;
  return nodeType && isObjectType(nodeType) && clinical.has(nodeType) ? nodeType : undefined;
}

/**
 * Wraps, in place, every mutation field and every field returning a `@clinical` type of `schema` (see the module
 * comment). Call after `enforceAccessPolicy`, so that its refusals are seen.
 */
export function recordOperations(
  schema: GraphQLSchema,
  constraints: Record<string, ConstraintError> = {},
): GraphQLSchema {
  const mutation = schema.getMutationType();
  for (const field of Object.values(mutation?.getFields() ?? {})) {
    const resolve: GraphQLFieldResolver<unknown, ContextWithLogs> = field.resolve ?? defaultFieldResolver;
    const resourceType = getNamedType(field.type).name;
    field.resolve = async (source, args: Record<string, unknown>, context, info) => {
      try {
        const result: unknown = await resolve(source, args, context, info);
        context.operations?.note({
          operationType: 'MUTATION',
          field: field.name,
          outcome: 'SUCCESS',
          errorCode: null,
          ...subjectOf(resourceType, result, args),
        });
        return result;
      } catch (error) {
        const errorCode = errorCodeOf(error, constraints);
        context.operations?.note({
          operationType: 'MUTATION',
          field: field.name,
          outcome: outcomeOf(errorCode),
          errorCode,
          ...subjectOf(resourceType, null, args),
        });
        throw error;
      }
    };
  }

  const clinical = clinicalTypes(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || type === mutation) continue;
    const patientIdOfParent = clinical.get(type);
    for (const field of Object.values(type.getFields())) {
      const returned = clinicalTypeReturnedBy(getNamedType(field.type), clinical);
      if (!returned) continue;
      field.resolve = observeFailure(field.resolve ?? defaultFieldResolver, (error, source, args, context) => {
        const errorCode = errorCodeOf(error, constraints);
        if (outcomeOf(errorCode) !== 'DENIED') return;
        context.clinicalReads?.noteDenied({
          resourceType: returned.name,
          field: `${type.name}.${field.name}`,
          errorCode,
          // Whose record was asked for: the argument naming them, else the clinical parent's patient.
          patientId:
            stringOr(args.patientId) ??
            (returned.name === 'Patient' ? stringOr(args.id) : null) ??
            (patientIdOfParent ? stringOr(record(source)[patientIdOfParent]) : null),
        });
      });
    }
  }
  return schema;
}
