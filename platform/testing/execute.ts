/**
 * Runs an operation on a subgraph's enforced schema in-process, for integration tests of a subgraph without HTTP:
 * the data, and each error's message and code as a client would see it.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { DomainError } from '../errors.ts';

export interface TestExecution {
  data: Record<string, unknown> | null;
  errors: { message: string; code: string | undefined }[];
}

export async function executeForTest(
  schema: GraphQLSchema,
  source: string,
  variableValues: Record<string, unknown>,
  contextValue: unknown,
): Promise<TestExecution> {
  const result = await graphql({ schema, source, variableValues, contextValue });
  return {
    data: (result.data as Record<string, unknown> | null | undefined) ?? null,
    errors: (result.errors ?? []).map((error) => ({
      message: error.message,
      code:
        error.originalError instanceof DomainError
          ? error.originalError.code
          : (error.extensions?.code as string | undefined),
    })),
  };
}
