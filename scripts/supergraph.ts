/** Composition of the subgraph SDL files into the supergraph, shared by the compose script and its test. */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { printApiSchema } from '../gateway/api-schema.ts';
import { defaultSubgraphUrl, readSdl, SUBGRAPHS } from '../schema/catalog.ts';

/** The composed graph: what the gateway plans queries on, and what its clients see. */
export interface ComposedGraph {
  /** `schema/supergraph.graphql`, ending in a newline. */
  supergraphSdl: string;
  /** `schema/api.graphql`: the supergraph's API schema with the gateway's subscriptions, ending in a newline. */
  apiSchemaSdl: string;
}

/**
 * Composes every subgraph of the catalog, and the client schema on top of it.
 *
 * @throws Error listing every composition error.
 */
export function composeGraph(): ComposedGraph {
  const result = composeServices(
    SUBGRAPHS.map((entry) => ({
      name: entry.name,
      url: defaultSubgraphUrl(entry),
      typeDefs: parse(readSdl(entry.name)),
    })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  return {
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    apiSchemaSdl: printApiSchema(result.schema.toAPISchema().toGraphQLJSSchema()),
  };
}

/** The supergraph SDL alone (see `composeGraph`). */
export function composeSupergraph(): string {
  return composeGraph().supergraphSdl;
}
