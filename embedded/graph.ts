/**
 * Composition root of the one-process graph: the database and event transport, every subgraph (each on its own
 * loopback port, exactly as it would run alone), then the gateway in front of them. `stop()` takes it down in
 * reverse: gateway, then every subgraph's requests and outbox, then consumers and databases.
 */
import { readFileSync } from 'node:fs';
import { gatewayProtection } from '../gateway/config.ts';
import { createGateway, type Gateway, type GatewayProtection } from '../gateway/gateway.ts';
import { playgroundEnabled } from '../gateway/playground/playground.config.ts';
import { clinicHours, secretOrGenerate } from '../platform/config.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { createTransport, openDatabase, randomSecret, type OpenDatabase } from '../platform/process.ts';
import { defineSubgraph, type Subgraph } from '../platform/subgraph.ts';
import type { EventTransport } from '../platform/events/transport.ts';
import { SUPERGRAPH_PATH } from '../schema/catalog.ts';
import { subgraphDefinitions } from '../subgraphs/index.ts';
import { identitySettings, JWKS_PATH, REVOCATIONS_PATH } from '../subgraphs/identity/subgraph.ts';
import { schedulingPolicy } from '../subgraphs/appointments/subgraph.ts';
import { paymentSettings, type PaymentSettings } from '../subgraphs/payments/subgraph.ts';
import { notificationSettings, type NotificationSettings } from '../subgraphs/notifications/subgraph.ts';
import { auditSettings } from '../subgraphs/audit/subgraph.ts';
import type { EmbeddedEnv } from './config.ts';

export interface GraphOptions {
  env: EmbeddedEnv;
  logger?: Logger;
  /** The clock every subgraph uses (tests pass a fixed one). */
  clock?: () => Date;
  /** Payment settings instead of those from `env` (tests pass a processor they can inspect). */
  payments?: PaymentSettings;
  /** Notification settings instead of those from `env` (tests pass channels they can inspect, and quick retries). */
  notifications?: NotificationSettings;
}

export interface Graph {
  /** The gateway's GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql` (its `graphql-ws` endpoint: `ws://…`). */
  url: string;
  gateway: Gateway;
  /**
   * Another gateway in front of the same subgraphs, not started, as another replica would be (tests): it reads
   * events from `events` (with Kafka, a transport of its own); `protection` overrides the environment's limits,
   * budgets and safelist.
   */
  gatewayReplica(events: EventTransport, protection?: Partial<GatewayProtection>): Gateway;
  /** The parsed environment the graph runs with. */
  env: EmbeddedEnv;
  /** Whether the gateway serves the playground at `/playground`. */
  playground: boolean;
  subgraphs: readonly Subgraph[];
  /** Each subgraph's GraphQL endpoint, by name. */
  subgraphUrls: Record<string, string>;
  transport: EventTransport;
  database: OpenDatabase;
  /** The secret the gateway signs internal tokens with (tests use it to call subgraphs directly). */
  internalTokenSecret: string;
  logger: Logger;
  stop(): Promise<void>;
}

/** The subgraphs of the graph, running in this process on free loopback ports, and what a gateway needs of them. */
export interface SubgraphHost {
  subgraphs: Subgraph[];
  /** Each subgraph's GraphQL endpoint, by name (`http://127.0.0.1:<port>/graphql`). */
  subgraphUrls: Record<string, string>;
  /** How a gateway checks access tokens: identity's JWKS and revocations, issuer, audience, lifetime. */
  tokens: { jwksUrl: string; revocationsUrl: string; issuer: string; audience: string; accessTokenTtlSeconds: number };
  transport: EventTransport;
  database: OpenDatabase;
  internalTokenSecret: string;
  /** Stops the subgraphs (each publishing its outbox first), the transport and the database. */
  stop(): Promise<void>;
}

/**
 * Starts every subgraph of the catalogue in this process, on one database and one events transport (the embedded
 * graph, and the benchmark's subgraph process). `transportName` names the transport's Kafka client.
 */
export async function startSubgraphs(
  options: Omit<GraphOptions, 'logger'> & { logger: Logger; transportName?: string },
): Promise<SubgraphHost> {
  const { env, logger } = options;
  const production = env.NODE_ENV === 'production';
  const internalTokenSecret = secretOrGenerate(
    'HMS_INTERNAL_TOKEN_SECRET',
    env.HMS_INTERNAL_TOKEN_SECRET,
    env.NODE_ENV,
    randomSecret,
  );

  const database = await openDatabase({
    url: env.DATABASE_URL,
    poolMax: env.DATABASE_POOL_MAX,
    dataDir: env.HMS_DATA_DIR,
  });
  const transport = createTransport(env, logger, options.transportName);
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
    clock: options.clock ?? (() => new Date()),
    // Filled in as the subgraphs start; only read when a request runs.
    peerUrl: (name: string) => subgraphUrls[name]?.replace(/\/graphql$/, ''),
  };
  const identity = identitySettings(env, production);
  const scheduling = schedulingPolicy(env, deps.hospital.clinicHours);
  const payments = options.payments ?? paymentSettings(env, production);
  const notifications = options.notifications ?? notificationSettings(env);
  const audit = auditSettings(env);
  const subgraphs = subgraphDefinitions({ identity, scheduling, payments, notifications, audit }).map((definition) =>
    defineSubgraph(definition, deps),
  );

  const started: Subgraph[] = [];
  const stop = async (): Promise<void> => {
    for (const subgraph of [...started].reverse()) await subgraph.quiesce();
    await Promise.all(started.map((subgraph) => subgraph.stop()));
    await transport.stop();
    await database.close();
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
    transport,
    database,
    internalTokenSecret,
    stop,
  };
}

/** Starts the whole graph. */
export async function startGraph(options: GraphOptions): Promise<Graph> {
  const { env } = options;
  const logger =
    options.logger ??
    createLogger({ name: 'hms', level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' && process.stdout.isTTY });
  // Before anything starts: a bad protection setting (a manifest that does not load, a playground without
  // introspection) is a configuration error.
  const protection = gatewayProtection(env);
  const playground = playgroundEnabled(env);
  const host = await startSubgraphs({ ...options, logger });
  const { subgraphUrls, transport, database, internalTokenSecret } = host;
  const stopSubgraphs = host.stop;

  /** A gateway in front of the running subgraphs, reading events from `events`. */
  const gatewayOn = (events: EventTransport, overrides: Partial<GatewayProtection> = {}): Gateway =>
    createGateway({
      supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      subgraphUrls,
      tokens: host.tokens,
      transport: events,
      internalTokenSecret,
      logger,
      ...protection,
      playground,
      ...overrides,
      subscriptionBacklog: env.HMS_SUBSCRIPTION_BACKLOG,
    });
  const gateway = gatewayOn(transport);
  let listening;
  try {
    listening = await gateway.start(env.HOST, env.PORT);
  } catch (error) {
    await stopSubgraphs().catch(() => {});
    throw error;
  }

  return {
    url: `${listening.url}/graphql`,
    gateway,
    gatewayReplica: gatewayOn,
    env,
    playground,
    subgraphs: host.subgraphs,
    subgraphUrls,
    transport,
    database,
    internalTokenSecret,
    logger,
    stop: async () => {
      await gateway.stop();
      await stopSubgraphs();
    },
  };
}
