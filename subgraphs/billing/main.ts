/** Runs the billing subgraph as its own process: `node subgraphs/billing/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createBillingSubgraph } from './subgraph.ts';

await runSubgraphProcess('billing', {}, (deps) => createBillingSubgraph(deps));
