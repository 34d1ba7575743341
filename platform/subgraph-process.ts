/**
 * Runs one subgraph as its own process (as docker-compose.yml does): parses the common subgraph variables
 * plus the subgraph's own, opens its database and the event transport, starts it, and stops it on a signal.
 * Each `subgraphs/<name>/main.ts` is one call to `runSubgraphProcess`.
 */
import { z } from 'zod';
import { clinicHours, configuredSubgraphUrls, loadConfig, subgraphEnv } from './config.ts';
import { createLogger } from './logger.ts';
import { startTracingFromEnv } from './observability/tracing.ts';
import { createTransport, openDatabase, runProcess } from './process.ts';
import type { Subgraph, SubgraphDependencies } from './subgraph.ts';

/** Every standalone subgraph needs the gateway's secret: it cannot be generated per process. */
const standaloneEnv = {
  ...subgraphEnv,
  HMS_INTERNAL_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters'),
};

type StandaloneEnv = z.infer<z.ZodObject<typeof standaloneEnv>>;

export async function runSubgraphProcess<Extra extends z.ZodRawShape>(
  name: string,
  extraEnv: Extra,
  create: (deps: SubgraphDependencies, extra: z.infer<z.ZodObject<Extra>>, env: StandaloneEnv) => Subgraph,
): Promise<void> {
  await runProcess(async () => {
    // Parsed together so that every bad variable is reported at once, then typed apart.
    loadConfig(z.object({ ...standaloneEnv, ...extraEnv }), process.env);
    const env = loadConfig(z.object(standaloneEnv), process.env);
    const extra = loadConfig(z.object(extraEnv), process.env);
    const peerUrls = Object.fromEntries(
      Object.entries(configuredSubgraphUrls(process.env)).map(([peer, url]) => [peer, url.replace(/\/graphql$/, '')]),
    );
    const logger = createLogger({
      name: `subgraph:${name}`,
      level: env.LOG_LEVEL,
      pretty: env.NODE_ENV === 'development' && process.stdout.isTTY,
    });
    const tracing = startTracingFromEnv(env, `hms-${name}`);
    const database = await openDatabase({
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      dataDir: `${env.HMS_DATA_DIR}/${name}`,
    });
    const transport = createTransport(env, logger, name);
    if (transport.kind === 'in-process') {
      logger.warn('KAFKA_BROKERS is not set: events stay inside this process and reach no other subgraph');
    }
    const subgraph = create(
      {
        database: database.target,
        transport,
        logger,
        internalTokenSecret: env.HMS_INTERNAL_TOKEN_SECRET,
        hospital: {
          timeZone: env.HMS_TIMEZONE,
          currency: env.HMS_CURRENCY,
          clinicHours: clinicHours(env.HMS_CLINIC_HOURS),
        },
        clock: () => new Date(),
        peerUrl: (peer) => peerUrls[peer],
      },
      extra,
      env,
    );
    await subgraph.start(env.HOST, env.PORT);
    await transport.start();
    return {
      logger,
      stop: async () => {
        await subgraph.stop();
        await transport.stop();
        await database.close();
        await tracing.shutdown();
      },
    };
  });
}
