import { describe, expect, it, jest } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { createLogger } from './logger.ts';
import { BadUserInputError, DomainError, domainErrorFromDatabase, formatGraphQLError } from './errors.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

function format(error: Error | GraphQLError, constraints = {}) {
  const graphqlError =
    error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error, path: ['field'] });
  return formatGraphQLError(graphqlError.toJSON(), graphqlError, { logger, constraints });
}

describe('formatGraphQLError', () => {
  it('keeps the code, message and details of a domain error', () => {
    const formatted = format(new BadUserInputError('input.email: must be an email address', 'input.email'));
    expect(formatted.message).toBe('input.email: must be an email address');
    expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.email' });
  });

  it('maps a known constraint violation to its domain code', () => {
    const dbError = Object.assign(new Error('conflicting key value violates exclusion constraint'), {
      code: '23P01',
      constraint: 'appointment_doctor_slot_excl',
    });
    const formatted = format(dbError, {
      appointment_doctor_slot_excl: { code: 'SLOT_UNAVAILABLE', message: 'Taken.' },
    });
    expect(formatted).toMatchObject({ message: 'Taken.', extensions: { code: 'SLOT_UNAVAILABLE' } });
  });

  it('treats an unknown unique violation as a conflict', () => {
    const dbError = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'something_key' });
    expect(format(dbError).extensions).toEqual({ code: 'CONFLICT' });
  });

  it('hides an unexpected error behind INTERNAL_SERVER_ERROR and logs it', () => {
    const log = createLogger({ name: 'test', level: 'silent' });
    const errorSpy = jest.spyOn(log, 'error');
    const boom = new Error('connection to 10.0.0.5 refused at Pool.connect (/app/node_modules/pg/lib/index.js:1:1)');
    const graphqlError = new GraphQLError(boom.message, { originalError: boom });
    const formatted = formatGraphQLError(graphqlError.toJSON(), graphqlError, { logger: log });
    expect(formatted.message).toBe('Internal server error.');
    expect(formatted.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(formatted)).not.toMatch(/10\.0\.0\.5|node_modules|stack/);
    expect(errorSpy).toHaveBeenCalledTimes(1);
  });

  it('reports a lost optimistic-lock race as a conflict', () => {
    const error = Object.assign(new Error('The optimistic lock on entity Patient failed'), {
      name: 'OptimisticLockError',
    });
    expect(format(error).extensions).toEqual({ code: 'CONFLICT' });
  });

  it('passes GraphQL validation errors through', () => {
    const error = new GraphQLError('Cannot query field "x" on type "Query".', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(format(error).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});

describe('domainErrorFromDatabase', () => {
  it('finds the database error behind a wrapping error', () => {
    const wrapped = new Error('query failed', { cause: Object.assign(new Error('x'), { code: '40001' }) });
    expect(domainErrorFromDatabase(wrapped, {})).toBeInstanceOf(DomainError);
    expect(domainErrorFromDatabase(wrapped, {})?.code).toBe('CONFLICT');
  });

  it('returns undefined for errors that are not from the database', () => {
    expect(domainErrorFromDatabase(new Error('plain'), {})).toBeUndefined();
  });
});
