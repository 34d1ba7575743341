/**
 * Composes `schema/<subgraph>.graphql` into `schema/supergraph.graphql` with @apollo/composition, and writes the
 * client schema (`schema/api.graphql`: its API schema plus the gateway's subscriptions of `schema/gateway.graphql`).
 * `npm run compose` writes both; `npm run compose -- --check` fails when either committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { API_SCHEMA_PATH } from '../gateway/api-schema.ts';
import { SUPERGRAPH_PATH } from '../schema/catalog.ts';
import { composeGraph } from './supergraph.ts';

const check = process.argv.includes('--check');
const composed = composeGraph();
const outputs: [URL, string][] = [
  [SUPERGRAPH_PATH, composed.supergraphSdl],
  [API_SCHEMA_PATH, composed.apiSchemaSdl],
];
const shown = (path: URL) => relative(process.cwd(), fileURLToPath(path));
let stale = false;
for (const [path, text] of outputs) {
  if (!check) {
    writeFileSync(path, text);
    console.log(`wrote ${shown(path)}`);
    continue;
  }
  let committed = '';
  try {
    committed = readFileSync(path, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (committed !== text) {
    console.error(`${shown(path)} is stale: run \`npm run compose\` and commit the result.`);
    stale = true;
  } else {
    console.log(`${shown(path)} is up to date.`);
  }
}
if (stale) process.exit(1);
