/** Runs the notifications subgraph as its own process: `node subgraphs/notifications/main.ts` (see docker-compose.yml). */
import { runSubgraphProcess } from '../../platform/subgraph-process.ts';
import { createNotificationsSubgraph, notificationSettings, notificationsEnv } from './subgraph.ts';

await runSubgraphProcess('notifications', notificationsEnv, (deps, env) =>
  createNotificationsSubgraph(deps, notificationSettings(env)),
);
