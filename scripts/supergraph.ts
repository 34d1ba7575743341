/** Composition of the subgraph SDL files into the supergraph, shared by the compose script and its test. */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { defaultSubgraphUrl, readSdl, SUBGRAPHS } from '../schema/catalog.ts';

/**
 * Composes every subgraph of the catalog.
 *
 * @returns the supergraph SDL, ending in a newline.
 * @throws Error listing every composition error.
 */
export function composeSupergraph(): string {
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
  return `${result.supergraphSdl.trimEnd()}\n`;
}
