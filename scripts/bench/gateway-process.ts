/**
 * Our gateway as the bench runs it: its own process, configured exactly as `gateway/main.ts` configures it (the same
 * environment variables, parsed by `gatewayEnvSchema`: subgraph URLs, identity's JWKS and revocations, Kafka for the
 * revocation feed and the subscriptions, query limits, tracing), serving the committed `schema/supergraph.graphql`. Forked by the bench
 * (`child.ts`), it answers `status` (live subscriptions) and the usage and profile jobs of `usage.ts`; the first job,
 * `start`, answers with its `/graphql` URL. Between `capture-start` and `capture-stop` it records every request it
 * sends to a subgraph (which subgraph, the query and its variables, e.g. an `_entities` fetch with its
 * representations): the bench replays them against the subgraphs directly, the same data without the gateway. Outside
 * a capture nothing is recorded or wrapped.
 */
import type { Gateway } from '../../gateway/gateway.ts';
import { gatewayEnvSchema } from '../../gateway/config.ts';
import { loadConfig } from '../../platform/config.ts';
import type { EventTransport } from '../../platform/events/transport.ts';
import { createLogger } from '../../platform/logger.ts';
import { startTracingFromEnv, type Tracing } from '../../platform/observability/tracing.ts';
import { createTransport } from '../../platform/process.ts';
import { SubgraphDataSource } from '../../gateway/subgraph-data-source.ts';
import { serveJobs } from './child.ts';
import { meterJobs } from './usage.ts';

export type GatewayJob =
  | { kind: 'start' }
  | { kind: 'status' }
  | { kind: 'capture-start' }
  | { kind: 'capture-stop' }
  | { kind: 'usage-start' }
  | { kind: 'usage-stop' }
  | { kind: 'profile-start' }
  | { kind: 'profile-stop'; path: string };

/** One request the gateway sent to a subgraph. */
export interface SubgraphFetch {
  /** The subgraph's URL (`SUBGRAPH_<NAME>_URL`). */
  url: string;
  /** The GraphQL request as the gateway sent it. */
  body: { query: string; variables?: Record<string, unknown>; operationName?: string };
}

let captured: SubgraphFetch[] | undefined;
const willSendRequest = SubgraphDataSource.prototype.willSendRequest;

function startCapture(): void {
  captured = [];
  SubgraphDataSource.prototype.willSendRequest = function (this: SubgraphDataSource, options) {
    willSendRequest.call(this, options);
    const { query, variables, operationName } = options.request;
    if (query) captured?.push({ url: this.url, body: { query, variables, operationName: operationName ?? undefined } });
  };
}

function stopCapture(): SubgraphFetch[] {
  SubgraphDataSource.prototype.willSendRequest = willSendRequest;
  const fetches = captured ?? [];
  captured = undefined;
  return fetches;
}

let running: { gateway: Gateway; transport: EventTransport } | undefined;
let tracing: Tracing | undefined;
const meter = meterJobs();

async function start(): Promise<{ url: string }> {
  const env = loadConfig(gatewayEnvSchema, process.env);
  const logger = createLogger({ name: 'gateway', level: env.LOG_LEVEL, pretty: false });
  tracing = startTracingFromEnv(env, 'hms-gateway');
  // Loaded once tracing is registered: `@apollo/gateway` binds its tracer when it loads (as in `gateway/main.ts`).
  const { gatewayFromEnv } = await import('../../gateway/from-env.ts');
  const transport = createTransport(env, logger, 'gateway');
  const gateway = gatewayFromEnv(env, logger, transport);
  await transport.start();
  const listening = await gateway.start(env.HOST, env.PORT);
  running = { gateway, transport };
  return { url: `${listening.url}/graphql` };
}

serveJobs<GatewayJob>(
  async (job) => {
    const metered = meter(job);
    if (metered) return metered;
    switch (job.kind) {
      case 'start':
        return start();
      case 'status':
        return running?.gateway.realtime ?? { connections: 0, subscriptions: 0 };
      case 'capture-start':
        startCapture();
        return null;
      case 'capture-stop':
        return stopCapture();
      default:
        throw new Error(`unknown job ${job.kind}`);
    }
  },
  async () => {
    await running?.gateway.stop();
    await running?.transport.stop();
    await tracing?.shutdown();
  },
);
