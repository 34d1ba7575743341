/** Runs the audit subgraph as its own process: `node subgraphs/audit/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { auditEnv, auditSettings, createAuditSubgraph } from './subgraph.ts';

await runSubgraphProcess('audit', auditEnv, (deps, env) => createAuditSubgraph(deps, auditSettings(env)));
