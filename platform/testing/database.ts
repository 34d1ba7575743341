/** A fresh, private database for one test file: on the configured PostgreSQL server, or in-memory PGlite. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseServer } from './services.ts';

export interface TestDatabase {
  /** `DATABASE_URL` for the code under test; undefined means embedded PGlite in memory. */
  url: string | undefined;
  kind: 'postgres' | 'embedded';
  drop(): Promise<void>;
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates a database named `hms_test_<random>` on the test server (or stands for PGlite when there is none). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = testDatabaseServer();
  if (!server) return { url: undefined, kind: 'embedded', drop: async () => {} };
  const name = `hms_test_${randomBytes(6).toString('hex')}`;
  await onServer(server, (client) => client.query(`create database "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    drop: () =>
      onServer(server, (client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
}
