/** Runs the doctors subgraph as its own process: `node subgraphs/doctors/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createDoctorsSubgraph } from './subgraph.ts';

await runSubgraphProcess('doctors', {}, (deps) => createDoctorsSubgraph(deps));
