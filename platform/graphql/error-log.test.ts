import { describe, expect, it } from '@jest/globals';
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { formatGraphQLError, NotFoundError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { errorLogPlugin, silentChildOf, type ErrorFormatter } from './error-log.ts';

describe('logging unexpected errors on the request’s logger', () => {
  it('logs a masked error once, with the request’s correlation id, and a domain error not at all', async () => {
    const lines: Record<string, unknown>[] = [];
    const root = createLogger({
      name: 'test',
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const format: ErrorFormatter = (formatted, error, logger) => formatGraphQLError(formatted, error, { logger });
    const server = new ApolloServer({
      schema: buildSchema('type Query { broken: String, missing: String }'),
      rootValue: {
        broken: () => {
          throw new Error('connection to the database was lost');
        },
        missing: () => {
          throw new NotFoundError('Patient', 'p-1');
        },
      },
      formatError: (formatted, error) => format(formatted, error, silentChildOf(root)),
      plugins: [errorLogPlugin(format, root)],
    });
    await server.start();
    const logger = root.child({ correlationId: 'corr-1', requestId: 'req-1' });
    const context = { principal: null, correlationId: 'corr-1', requestId: 'req-1', idempotencyKey: null, logger };
    const response = await server.executeOperation({ query: '{ broken missing }' }, { contextValue: context });
    await server.stop();

    const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
    expect(body?.errors?.map((error) => error.extensions?.code).sort()).toEqual(['INTERNAL_SERVER_ERROR', 'NOT_FOUND']);
    expect(JSON.stringify(body)).not.toContain('database');
    const logged = lines.filter((line) => line.msg === 'unexpected error while resolving a request');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ correlationId: 'corr-1', requestId: 'req-1', path: ['broken'] });
  });
});
