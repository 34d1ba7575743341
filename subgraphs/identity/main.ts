/** Runs the identity subgraph as its own process: `node subgraphs/identity/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createIdentitySubgraph, identityEnv, identitySettings } from './subgraph.ts';

await runSubgraphProcess('identity', identityEnv, (deps, identity, env) =>
  createIdentitySubgraph(deps, identitySettings(identity, env.NODE_ENV === 'production')),
);
