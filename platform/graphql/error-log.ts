/**
 * Where unexpected errors are logged: on the request's own logger (tagged with its request and correlation ids), from
 * Apollo's `didEncounterErrors`, since `formatError` does not know the request. Servers give their `formatError` a
 * silent logger and this plugin the same formatter, which logs exactly the errors it hides from the client.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logger.ts';
import type { RequestContext } from './context.ts';

/** A server's error formatter, logging what it masks on `logger`. */
export type ErrorFormatter = (
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
) => GraphQLFormattedError;

/** Logs each error of a request that `format` masks, on the request's logger. */
export function errorLogPlugin<Context extends RequestContext>(
  format: ErrorFormatter,
  fallback: Logger,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            // Apollo hands over GraphQL errors; anything else (seen from a failing context function) is formatted from
            // its message, so that logging it never becomes a second failure.
            const formatted =
              error instanceof GraphQLError ? error.toJSON() : { message: String((error as Error)?.message ?? error) };
            format(formatted, error, contextValue?.logger ?? fallback);
          }
        },
      };
    },
  };
}

/** A logger that writes nothing, for `formatError` (the plugin logs). */
export const silentChildOf = (logger: Logger): Logger => logger.child({}, { level: 'silent' });
