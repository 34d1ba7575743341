/**
 * Every subgraph of the graph in the bench's own process, without a gateway: `startSubgraphs` of `embedded/graph.ts`
 * (each subgraph on its own loopback port, events through the configured transport), so that the gateway under test
 * (ours, or Hive Gateway) runs in a process of its own in front of them and both are measured against the very same
 * subgraph process.
 *
 * One process for all nine rather than one each: on a 2-core machine nine Node processes (each with its own Kafka
 * consumers, outbox relay and pool) would spend more on scheduling than they gain, and the subgraph side stays one
 * fixed, measurable thing (its event-loop utilisation is reported) while the gateways in front of it are compared.
 */
import type { EmbeddedEnv } from '../../embedded/config.ts';
import { startSubgraphs as startEmbeddedSubgraphs, type SubgraphHost as EmbeddedHost } from '../../embedded/graph.ts';
import { createLogger, type Logger } from '../../platform/logger.ts';
import { startTracingFromEnv } from '../../platform/observability/tracing.ts';

export interface SubgraphHost extends EmbeddedHost {
  logger: Logger;
}

/** Starts every subgraph (migrating its schema on the way) on `env`'s database and event transport. */
export async function startSubgraphs(env: EmbeddedEnv): Promise<SubgraphHost> {
  const logger = createLogger({ name: 'hms-bench-subgraphs', level: env.LOG_LEVEL, pretty: false });
  // As every subgraph process does (`platform/subgraph-process.ts`): trace context and ids, exported only when
  // OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracingFromEnv(env, 'hms-bench-subgraphs');
  let host: EmbeddedHost;
  try {
    host = await startEmbeddedSubgraphs({
      env: { ...env, HMS_DATA_DIR: 'memory://' },
      logger,
      transportName: 'subgraphs',
    });
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
  return {
    ...host,
    logger,
    stop: async () => {
      await host.stop();
      await tracing.shutdown();
    },
  };
}
