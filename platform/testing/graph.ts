/**
 * The whole graph for end-to-end tests: started in-process on free loopback ports, on a fresh test database,
 * with Kafka when the tests have brokers; and a client that talks to it over HTTP as a real client would.
 */
import { randomBytes } from 'node:crypto';
import { embeddedEnvSchema, type EmbeddedEnv } from '../../embedded/config.ts';
import { startGraph, type Graph } from '../../embedded/graph.ts';
import type { NotificationSettings } from '../../subgraphs/notifications/subgraph.ts';
import type { PaymentSettings } from '../../subgraphs/payments/subgraph.ts';
import type { Subgraph } from '../subgraph.ts';
import { loadConfig } from '../config.ts';
import { createLogger, type DestinationStream, type Logger } from '../logger.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { testKafkaBrokers, testLogLevel } from './services.ts';
import { GraphClient } from '../graphql/client.ts';

export { GraphClient };

export const TEST_ADMIN = { email: 'admin@hms.test', password: 'correct horse battery staple' };

export interface TestGraph extends Graph {
  db: TestDatabase;
  client: GraphClient;
  /** Signs in as the test admin and returns a client that sends the token. */
  admin(): Promise<GraphClient>;
  /** The name a topic has on the broker for this graph (each test graph has its own topics). */
  brokerTopic(topic: string): string;
  /** The Kafka consumer group id of a consumer of this graph (e.g. `billing.appointment-charges`). */
  brokerGroup(consumer: string): string;
  /**
   * Stops the graph as a SIGTERM would (requests in flight finish, the outbox is published) but keeps its database,
   * for tests that look at what a shutdown left behind; `stop()` then only drops the database.
   */
  stopGraph(): Promise<void>;
}

/**
 * Starts the graph; `env` overrides test defaults (e.g. `HMS_TIMEZONE`). With `embedded`, it runs as `npm start` does
 * with nothing configured (PGlite in memory, in-process events) even where the tests have PostgreSQL and Kafka, so
 * that CI covers both modes.
 */
export async function startTestGraph(
  options: {
    env?: Record<string, string>;
    clock?: () => Date;
    payments?: PaymentSettings;
    notifications?: NotificationSettings;
    embedded?: boolean;
    /**
     * The graph's root logger: every subgraph, the gateway, the consumers and kafkajs log through its children.
     * Default: one at `TEST_LOG_LEVEL` (silent) on standard output.
     */
    logger?: Logger;
    /** Where the default logger writes its JSON lines, at `logLevel` (tests that read the graph's logs). */
    logDestination?: DestinationStream;
    /** Level of the default logger (default `TEST_LOG_LEVEL`). */
    logLevel?: string;
  } = {},
): Promise<TestGraph> {
  const db: TestDatabase = options.embedded
    ? { url: undefined, kind: 'embedded', drop: async () => {} }
    : await createTestDatabase();
  const brokers = options.embedded ? undefined : testKafkaBrokers();
  const run = randomBytes(4).toString('hex');
  const env: EmbeddedEnv = loadConfig(embeddedEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: testLogLevel,
    HOST: '127.0.0.1',
    PORT: '0',
    HMS_DATA_DIR: 'memory://',
    HMS_ADMIN_EMAIL: TEST_ADMIN.email,
    HMS_ADMIN_PASSWORD: TEST_ADMIN.password,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...(brokers
      ? {
          KAFKA_BROKERS: brokers.join(','),
          // Each test graph has its own groups and topics: no test reads another's events.
          KAFKA_GROUP_PREFIX: `hms-test-${run}`,
          KAFKA_TOPIC_PREFIX: `hms-test-${run}.`,
        }
      : {}),
    ...options.env,
  });
  const logger =
    options.logger ??
    createLogger({
      name: 'hms-test',
      level: options.logLevel ?? testLogLevel,
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
  let graph: Graph;
  try {
    graph = await startGraph({
      env,
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.payments ? { payments: options.payments } : {}),
      ...(options.notifications ? { notifications: options.notifications } : {}),
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const client = new GraphClient(graph.url);
  let stopping: Promise<void> | undefined;
  const stopGraph = () => (stopping ??= graph.stop());
  return {
    ...graph,
    db,
    client,
    admin: () => client.signIn(TEST_ADMIN.email, TEST_ADMIN.password),
    brokerTopic: (topic) => `${env.KAFKA_TOPIC_PREFIX}${topic}`,
    brokerGroup: (consumer) => `${env.KAFKA_GROUP_PREFIX}.${consumer}`,
    stopGraph,
    stop: async () => {
      await stopGraph();
      await db.drop();
    },
  };
}

/** The running subgraph called `name` of a graph (tests reach into its database through `runtime.orm`). */
export function subgraphOf(graph: Graph, name: string): Subgraph {
  const subgraph = graph.subgraphs.find((candidate) => candidate.name === name);
  if (!subgraph) throw new Error(`the graph has no subgraph ${name}`);
  return subgraph;
}

/**
 * Polls `probe` until it returns a value that is not undefined, null or false, or fails after `timeoutMs`. For
 * conditions that become true asynchronously (an event consumed), instead of sleeping.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
