/**
 * `@apollo/gateway` as Apollo Server sees it, with the client schema (`api-schema.ts`) in place of the bare API
 * schema: so the gateway's HTTP endpoint validates and introspects the same schema clients generate their types from,
 * subscriptions included. Queries and mutations run through `@apollo/gateway`'s query planner as before;
 * introspection is answered from the client schema; a subscription sent over HTTP is refused with `BAD_REQUEST`
 * (they are served over `graphql-ws` on the same URL).
 */
import type { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';
import { execute, GraphQLError, Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { extendApiSchema } from './api-schema.ts';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/** True when every root field of `operation` is an introspection field (what tools like GraphiQL send). */
export function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'query' &&
    operation.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(selection.name.value),
    )
  );
}

export class ClientSchemaGateway implements GatewayInterface {
  readonly #inner: ApolloGateway;
  readonly #onClientSchema: (schema: GraphQLSchema) => void;
  #clientSchema: GraphQLSchema | undefined;

  /** `onClientSchema` receives the client schema each time the supergraph is loaded (the subscriptions use it). */
  constructor(inner: ApolloGateway, onClientSchema: (schema: GraphQLSchema) => void) {
    this.#inner = inner;
    this.#onClientSchema = onClientSchema;
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    return this.#inner.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      const clientSchema = extendApiSchema(apiSchema);
      this.#clientSchema = clientSchema;
      this.#onClientSchema(clientSchema);
      callback({ apiSchema: clientSchema, coreSupergraphSdl });
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const { executor } = await this.#inner.load(options);
    if (!executor) throw new Error('@apollo/gateway loaded without an executor');
    return { executor: this.#executor(executor) };
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }

  #executor(plan: GatewayExecutor): GatewayExecutor {
    return async (requestContext) => {
      const { operation } = requestContext;
      if (operation.operation === 'subscription') {
        return {
          errors: [
            new GraphQLError(
              'Subscriptions are served over WebSocket (graphql-ws, protocol graphql-transport-ws) at this same URL.',
              { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
            ),
          ],
        };
      }
      if (this.#clientSchema && isIntrospectionOnly(operation)) {
        return execute({
          schema: this.#clientSchema,
          document: requestContext.document,
          operationName: requestContext.operationName,
          variableValues: requestContext.request.variables ?? {},
        }) as Awaited<ReturnType<GatewayExecutor>>;
      }
      return plan(requestContext);
    };
  }
}
