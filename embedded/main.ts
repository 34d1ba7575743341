/**
 * `npm start`: the whole graph in one process. With nothing configured it keeps its data in `.hms-data/`
 * (embedded PostgreSQL) and passes events in-process; `DATABASE_URL` and `KAFKA_BROKERS` switch to real
 * PostgreSQL and Kafka. Ctrl-C stops it cleanly.
 */
import { loadConfig } from '../platform/config.ts';
import { startTracingFromEnv } from '../platform/observability/tracing.ts';
import { runProcess } from '../platform/process.ts';
import { embeddedEnvSchema } from './config.ts';

await runProcess(async () => {
  const startedAt = performance.now();
  const env = loadConfig(embeddedEnvSchema, process.env);
  // Before the graph, so that every span of every component goes through it (one process, one tracer).
  const tracing = startTracingFromEnv(env, 'hms');
  // Loaded once tracing is registered: `@apollo/gateway` binds its tracer when it loads.
  const { startGraph } = await import('./graph.ts');
  const graph = await startGraph({ env });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const storage = env.DATABASE_URL ? 'PostgreSQL' : `embedded PostgreSQL in ${env.HMS_DATA_DIR}`;
  const events = env.KAFKA_BROKERS ? 'Kafka' : 'in-process events';
  const playground = graph.playground ? `\n  Playground: ${graph.url.replace(/\/graphql$/, '/playground')}` : '';
  console.log(
    `\n  HMS Supergraph ready in ${seconds}s at ${graph.url} (${storage}, ${events}). Ctrl-C stops it.${playground}\n`,
  );
  return {
    logger: graph.logger,
    stop: async () => {
      await graph.stop();
      await tracing.shutdown();
    },
  };
});
