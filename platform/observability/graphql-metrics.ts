/**
 * The Apollo Server plugin that counts GraphQL requests of one component (the gateway or a subgraph) and times
 * them: `graphql_requests_total`, `graphql_request_duration_seconds` and `graphql_errors_total` (see `metrics.ts`).
 *
 * Cardinality: a client chooses operation names, so a name is used as a label only once its document parsed and
 * validated (`didResolveOperation`), and only the first 200 distinct names of a component are kept; later new ones
 * are counted as `(other)`. A request that never got that far is `operation_type="unknown"`,
 * `operation_name="(invalid)"`; an anonymous operation is `(anonymous)`.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ComponentMetrics } from './metrics.ts';
import { secondsSince } from './metrics.ts';
import { annotateActiveSpan } from './tracing.ts';

/** Counts and times every request of the component `metrics` belongs to. */
export function graphqlMetricsPlugin<Context extends BaseContext>(
  metrics: ComponentMetrics,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      let operationType = 'unknown';
      let operationName = '(invalid)';
      return {
        async didResolveOperation({ operation, operationName: name }) {
          operationType = operation?.operation ?? 'unknown';
          operationName = metrics.operationNames.value(name ?? '(anonymous)');
          annotateActiveSpan({ 'graphql.operation.type': operationType, 'graphql.operation.name': operationName });
        },
        async willSendResponse({ response }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const errors = result.errors ?? [];
          const outcome = errors.length === 0 ? 'success' : result.data ? 'partial' : 'error';
          const labels = { operation_type: operationType, operation_name: operationName };
          metrics.graphqlRequests.inc({ ...labels, outcome });
          metrics.graphqlDuration.observe(labels, secondsSince(startedAt));
          for (const error of errors) {
            const code = error.extensions?.code;
            metrics.graphqlErrors.inc({
              code: metrics.errorCodes.value(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR'),
            });
          }
        },
      };
    },
  };
}
