/**
 * Which real services the tests may use. `TEST_DATABASE_URL` (a PostgreSQL server, e.g.
 * `postgres://postgres@127.0.0.1:5432/postgres`) makes integration tests run on real PostgreSQL, each test file
 * in a fresh database; without it they run on embedded PGlite. `KAFKA_BROKERS` makes the graph's events go
 * through Kafka. With `HMS_REQUIRE_SERVICES=1` (CI), a test that needs a service which is not configured fails
 * instead of falling back or being skipped.
 */

/** The environment the tests read: this module is the only place that looks. */
const env = process.env;

export const requireServices = env.HMS_REQUIRE_SERVICES === '1';

/** The PostgreSQL server to create test databases on, if any. */
export function testDatabaseServer(): string | undefined {
  const url = env.TEST_DATABASE_URL;
  if (!url && requireServices) throw new Error('HMS_REQUIRE_SERVICES=1 but TEST_DATABASE_URL is not set');
  return url || undefined;
}

/** Kafka brokers for the tests, if any. */
export function testKafkaBrokers(): string[] | undefined {
  const brokers = env.KAFKA_BROKERS?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (!brokers?.length && requireServices) throw new Error('HMS_REQUIRE_SERVICES=1 but KAFKA_BROKERS is not set');
  return brokers?.length ? brokers : undefined;
}

/** Log level for graphs started by tests (`TEST_LOG_LEVEL`, default `silent`). */
export const testLogLevel = env.TEST_LOG_LEVEL ?? 'silent';
