/** Runs the prescriptions subgraph as its own process: `node subgraphs/prescriptions/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createPrescriptionsSubgraph } from './subgraph.ts';

await runSubgraphProcess('prescriptions', {}, (deps) => createPrescriptionsSubgraph(deps));
