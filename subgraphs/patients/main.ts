/** Runs the patients subgraph as its own process: `node subgraphs/patients/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createPatientsSubgraph } from './subgraph.ts';

await runSubgraphProcess('patients', {}, (deps) => createPatientsSubgraph(deps));
