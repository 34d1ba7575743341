/**
 * The error hierarchy of the graph. Services throw `DomainError`s; the transport (`formatGraphQLError`) turns
 * them into GraphQL errors with `extensions.code` (SPEC §9), maps database constraint violations to their
 * domain codes, and hides everything unexpected behind `INTERNAL_SERVER_ERROR` after logging it.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.ts';

/** Codes every subgraph may return (SPEC §9). Domain rule codes (SPEC §3, §4) are added by their subgraphs. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** A failure the client caused or may act on. `code` lands in `extensions.code`. */
export class DomainError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** The caller is not signed in, or their token is not valid. */
export class UnauthenticatedError extends DomainError {
  constructor(message = 'Sign in to do this.') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

/** The caller is signed in but may not do this (SPEC §2). */
export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this.') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

/** The named resource does not exist (or the caller may not know that it does). */
export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${resource} ${id} was not found.`, { resource, id });
  }
}

/** Input that is malformed or breaks a validation rule. `field` is the input path, e.g. `input.email`. */
export class BadUserInputError extends DomainError {
  constructor(message: string, field?: string) {
    super(ErrorCode.BAD_USER_INPUT, message, field ? { field } : undefined);
  }
}

/** The change conflicts with the current state (a duplicate, or a concurrent update that won). */
export class ConflictError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
  }
}

/** How a named database constraint maps to the domain: its code and a message for the client. */
export interface ConstraintError {
  code: string;
  message: string;
}

interface DatabaseErrorShape {
  code?: string;
  constraint?: string;
}

const SQLSTATE_UNIQUE_VIOLATION = '23505';
const SQLSTATE_EXCLUSION_VIOLATION = '23P01';
const SQLSTATE_SERIALIZATION_FAILURE = '40001';
const SQLSTATE_DEADLOCK_DETECTED = '40P01';

/**
 * True for a transaction PostgreSQL aborted because of what ran beside it (a deadlock, a serialization failure):
 * running it again is safe and usually succeeds.
 */
export function isTransientTransactionError(error: unknown): boolean {
  const code = databaseErrorOf(error)?.code;
  return code === SQLSTATE_DEADLOCK_DETECTED || code === SQLSTATE_SERIALIZATION_FAILURE;
}

function databaseErrorOf(error: unknown): DatabaseErrorShape | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const candidate = current as DatabaseErrorShape & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/**
 * Translates a database error into a `DomainError` when it is a known constraint violation: first by the
 * constraint's name in `constraints`, then unique violations in general (`CONFLICT`) and serialization failures
 * (`CONFLICT`, safe to retry). Returns `undefined` for anything else.
 */
export function domainErrorFromDatabase(
  error: unknown,
  constraints: Record<string, ConstraintError>,
): DomainError | undefined {
  const dbError = databaseErrorOf(error);
  if (!dbError) return undefined;
  const known = dbError.constraint ? constraints[dbError.constraint] : undefined;
  if (known) return new DomainError(known.code, known.message);
  if (dbError.code === SQLSTATE_UNIQUE_VIOLATION || dbError.code === SQLSTATE_EXCLUSION_VIOLATION) {
    return new ConflictError('This conflicts with an existing record.');
  }
  if (dbError.code === SQLSTATE_SERIALIZATION_FAILURE || dbError.code === SQLSTATE_DEADLOCK_DETECTED) {
    return new ConflictError('The record was changed at the same time by someone else; try again.');
  }
  return undefined;
}

/** Codes that are safe to pass through from a `GraphQLError` raised by the GraphQL layer itself. */
const PASS_THROUGH_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
]);

/**
 * The one place a subgraph turns a thrown error into what the client sees. Domain errors keep their code and
 * message; known constraint violations become their domain code; GraphQL's own validation errors pass; every
 * other error is logged with the request's ids and returned as `INTERNAL_SERVER_ERROR` without internals.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  options: { logger: Logger; constraints?: Record<string, ConstraintError> },
): GraphQLFormattedError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const base = { locations: formatted.locations, path: formatted.path };

  if (original instanceof DomainError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
  }
  if (original instanceof Error && original.name === 'OptimisticLockError') {
    const conflict = new ConflictError(
      'The record was changed at the same time by someone else; reload it and try again.',
    );
    return { ...base, message: conflict.message, extensions: { code: conflict.code } };
  }
  const fromDatabase = domainErrorFromDatabase(original, options.constraints ?? {});
  if (fromDatabase) {
    return { ...base, message: fromDatabase.message, extensions: { code: fromDatabase.code } };
  }
  // Errors raised by the GraphQL layer itself (parsing, validation, variable coercion) are the client's to see.
  const code = formatted.extensions?.code;
  if (original instanceof GraphQLError && typeof code === 'string' && PASS_THROUGH_CODES.has(code)) {
    return { ...base, message: formatted.message, extensions: { code } };
  }
  options.logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving a request');
  return { ...base, message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}
