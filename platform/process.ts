/**
 * What every process's `main.ts` does around its composition root: parse the environment once (exiting with
 * every problem listed), open the database and the event transport the environment asks for, and stop
 * gracefully on SIGINT / SIGTERM (a second signal forces the exit).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError, type KafkaEnv } from './config.ts';
import { openEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres.ts';
import type { DatabaseTarget } from './db/orm.ts';
import { InProcessTransport } from './events/in-process-transport.ts';
import { KafkaTransport } from './events/kafka-transport.ts';
import type { EventTransport } from './events/transport.ts';
import type { Logger } from './logger.ts';

/** A database target and how to release it. */
export interface OpenDatabase {
  target: DatabaseTarget;
  /** The embedded instance, when there is one (for tools and tests). */
  embedded?: EmbeddedPostgres;
  close(): Promise<void>;
}

/**
 * Real PostgreSQL when `url` is set; else an embedded PGlite in `<dataDir>/pgdata` (or in memory when
 * `dataDir` is `memory://`).
 */
export async function openDatabase(options: {
  url?: string | undefined;
  poolMax: number;
  dataDir: string;
}): Promise<OpenDatabase> {
  if (options.url) {
    return { target: { kind: 'postgres', url: options.url, poolMax: options.poolMax }, close: async () => {} };
  }
  const dir = options.dataDir.startsWith('memory://') ? options.dataDir : join(options.dataDir, 'pgdata');
  const embedded = await openEmbeddedPostgres(dir);
  return { target: { kind: 'embedded', embedded }, embedded, close: () => embedded.close() };
}

/**
 * Kafka when `KAFKA_BROKERS` is configured, in-process otherwise. `component` names the process to the broker
 * (`<KAFKA_CLIENT_ID>-<component>`).
 */
export function createTransport(env: KafkaEnv, logger: Logger, component?: string): EventTransport {
  if (!env.KAFKA_BROKERS?.length) return new InProcessTransport();
  return new KafkaTransport({
    brokers: env.KAFKA_BROKERS,
    clientId: component ? `${env.KAFKA_CLIENT_ID}-${component}` : env.KAFKA_CLIENT_ID,
    groupPrefix: env.KAFKA_GROUP_PREFIX,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    logger,
  });
}

/** A fresh random secret (for development defaults only; production must configure its secrets). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Runs a process: `start` returns the function that stops it. Configuration errors print their list and exit 2;
 * other start-up failures exit 1. SIGINT and SIGTERM stop gracefully (bounded by `graceMs`).
 */
export async function runProcess(
  start: () => Promise<{ stop(): Promise<void>; logger: Logger }>,
  graceMs = 30_000,
): Promise<void> {
  let running: { stop(): Promise<void>; logger: Logger };
  try {
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error('Failed to start:', error);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      running.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    running.logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      running.logger.error('graceful stop took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    try {
      await running.stop();
      running.logger.info('stopped');
      process.exit(0);
    } catch (error) {
      running.logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
