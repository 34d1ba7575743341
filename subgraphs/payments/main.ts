/** Runs the payments subgraph as its own process: `node subgraphs/payments/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createPaymentsSubgraph, paymentSettings, paymentsEnv } from './subgraph.ts';

await runSubgraphProcess('payments', paymentsEnv, (deps, env, common) =>
  createPaymentsSubgraph(deps, paymentSettings(env, common.NODE_ENV === 'production')),
);
