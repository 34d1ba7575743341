/**
 * Where unexpected errors are logged: on the request's own logger (tagged with its request and correlation ids), from
 * Apollo's `didEncounterErrors`, since `formatError` does not know the request. Servers give their `formatError` a
 * silent logger and this plugin the same formatter, which logs exactly the errors it hides from the client.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logger.ts';
import type { RequestContext } from './context.ts';

/** A server's error formatter, logging what it masks on `logger`. */
export type ErrorFormatter = (
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
) => GraphQLFormattedError;

/** Logs each error of a request that `format` masks, on the request's logger. */
export function errorLogPlugin<Context extends RequestContext>(format: ErrorFormatter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) format(error.toJSON(), error, contextValue.logger);
        },
      };
    },
  };
}

/** A logger that writes nothing, for `formatError` (the plugin logs). */
export const silentChildOf = (logger: Logger): Logger => logger.child({}, { level: 'silent' });
