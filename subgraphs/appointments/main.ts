/** Runs the appointments subgraph as its own process: `node subgraphs/appointments/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { appointmentsEnv, createAppointmentsSubgraph, schedulingPolicy } from './subgraph.ts';

await runSubgraphProcess('appointments', appointmentsEnv, (deps, scheduling) =>
  createAppointmentsSubgraph(deps, schedulingPolicy(scheduling, deps.hospital.clinicHours)),
);
