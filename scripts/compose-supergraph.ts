/**
 * Composes `schema/<subgraph>.graphql` into `schema/supergraph.graphql` with @apollo/composition.
 * `npm run compose` writes it; `npm run compose -- --check` fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph } from './supergraph.ts';
import { SUPERGRAPH_PATH } from '../schema/catalog.ts';

const check = process.argv.includes('--check');
const composed = composeSupergraph();
if (check) {
  const committed = readFileSync(SUPERGRAPH_PATH, 'utf8');
  if (committed !== composed) {
    console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit the result.');
    process.exit(1);
  }
  console.log('schema/supergraph.graphql is up to date.');
} else {
  writeFileSync(SUPERGRAPH_PATH, composed);
  console.log('wrote schema/supergraph.graphql');
}
