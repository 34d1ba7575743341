/** Runs the appointments subgraph as its own process: `node subgraphs/appointments/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createAppointmentsSubgraph } from './subgraph.ts';

await runSubgraphProcess('appointments', {}, (deps) => createAppointmentsSubgraph(deps));
