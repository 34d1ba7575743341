/**
 * Every subgraph of the graph in the bench's own process, without a gateway: the same composition as
 * `embedded/graph.ts` (each subgraph on its own loopback port, events through the configured transport), so that the
 * gateway under test (ours, or Hive Gateway) runs in a process of its own in front of them and both are measured
 * against the very same subgraph process.
 *
 * One process for all nine rather than one each: on a 2-core machine nine Node processes (each with its own Kafka
 * consumers, outbox relay and pool) would spend more on scheduling than they gain, and the subgraph side stays one
 * fixed, measurable thing (its event-loop utilisation is reported) while the gateways in front of it are compared.
 */
import { clinicHours, secretOrGenerate } from '../../platform/config.ts';
import { createLogger, type Logger } from '../../platform/logger.ts';
import { startTracingFromEnv } from '../../platform/observability/tracing.ts';
import { createTransport, openDatabase, randomSecret } from '../../platform/process.ts';
import { defineSubgraph, type Subgraph } from '../../platform/subgraph.ts';
import { subgraphDefinitions } from '../../subgraphs/index.ts';
import { identitySettings, JWKS_PATH, REVOCATIONS_PATH } from '../../subgraphs/identity/subgraph.ts';
import { schedulingPolicy } from '../../subgraphs/appointments/subgraph.ts';
import { paymentSettings } from '../../subgraphs/payments/subgraph.ts';
import { notificationSettings } from '../../subgraphs/notifications/subgraph.ts';
import { auditSettings } from '../../subgraphs/audit/subgraph.ts';
import type { EmbeddedEnv } from '../../embedded/config.ts';

export interface SubgraphHost {
  subgraphs: readonly Subgraph[];
  /** Each subgraph's GraphQL endpoint, by name (`http://127.0.0.1:<port>/graphql`). */
  subgraphUrls: Record<string, string>;
  /** What a gateway needs to check access tokens: identity's JWKS and revocations, issuer, audience. */
  tokens: { jwksUrl: string; revocationsUrl: string; issuer: string; audience: string; accessTokenTtlSeconds: number };
  internalTokenSecret: string;
  logger: Logger;
  stop(): Promise<void>;
}

/** Starts every subgraph (migrating its schema on the way) on `env`'s database and event transport. */
export async function startSubgraphs(env: EmbeddedEnv): Promise<SubgraphHost> {
  const logger = createLogger({ name: 'hms-bench-subgraphs', level: env.LOG_LEVEL, pretty: false });
  const production = env.NODE_ENV === 'production';
  // As every subgraph process does (`platform/subgraph-process.ts`): trace context and ids, exported only when
  // OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracingFromEnv(env, 'hms-bench-subgraphs');
  const internalTokenSecret = secretOrGenerate(
    'HMS_INTERNAL_TOKEN_SECRET',
    env.HMS_INTERNAL_TOKEN_SECRET,
    env.NODE_ENV,
    randomSecret,
  );
  const database = await openDatabase({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, dataDir: 'memory://' });
  const transport = createTransport(env, logger, 'subgraphs');
  const subgraphUrls: Record<string, string> = {};
  const deps = {
    database: database.target,
    transport,
    logger,
    internalTokenSecret,
    hospital: {
      timeZone: env.HMS_TIMEZONE,
      currency: env.HMS_CURRENCY,
      clinicHours: clinicHours(env.HMS_CLINIC_HOURS),
    },
    clock: () => new Date(),
    peerUrl: (name: string) => subgraphUrls[name]?.replace(/\/graphql$/, ''),
  };
  const identity = identitySettings(env, production);
  const subgraphs = subgraphDefinitions({
    identity,
    scheduling: schedulingPolicy(env, deps.hospital.clinicHours),
    payments: paymentSettings(env, production),
    notifications: notificationSettings(env),
    audit: auditSettings(env),
  }).map((definition) => defineSubgraph(definition, deps));

  const started: Subgraph[] = [];
  const stop = async (): Promise<void> => {
    for (const subgraph of [...started].reverse()) await subgraph.quiesce();
    await Promise.all(started.map((subgraph) => subgraph.stop()));
    await transport.stop();
    await database.close();
    await tracing.shutdown();
  };
  try {
    for (const subgraph of subgraphs) {
      const listening = await subgraph.start(env.HMS_SUBGRAPH_HOST, 0);
      started.push(subgraph);
      subgraphUrls[subgraph.name] = `${listening.url}/graphql`;
    }
    await transport.start();
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  const identityUrl = new URL(subgraphUrls.identity!);
  return {
    subgraphs: started,
    subgraphUrls,
    tokens: {
      jwksUrl: new URL(JWKS_PATH, identityUrl).toString(),
      revocationsUrl: new URL(REVOCATIONS_PATH, identityUrl).toString(),
      issuer: identity.tokens.issuer,
      audience: identity.tokens.audience,
      accessTokenTtlSeconds: identity.tokens.accessTokenTtlSeconds,
    },
    internalTokenSecret,
    logger,
    stop,
  };
}
