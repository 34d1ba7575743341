/**
 * Fresh, private databases: one per test file (on the configured PostgreSQL server, or in-memory PGlite), and
 * scratch databases for `npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseServer } from './services.ts';

/** Runs `work` on a fresh connection to `url` (a server's or a database's) and closes it. */
export async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface CreatedDatabase {
  name: string;
  /** `serverUrl` with the new database as its path. */
  url: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

/** Creates a database named `<prefix>_<random>` on the server of `serverUrl`. */
export async function createDatabase(serverUrl: string, prefix: string): Promise<CreatedDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`unsafe database name prefix: ${prefix}`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await onServer(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

export interface TestDatabase {
  /** `DATABASE_URL` for the code under test; undefined means embedded PGlite in memory. */
  url: string | undefined;
  kind: 'postgres' | 'embedded';
  drop(): Promise<void>;
}

/** Creates a database named `hms_test_<random>` on the test server (or stands for PGlite when there is none). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = testDatabaseServer();
  if (!server) return { url: undefined, kind: 'embedded', drop: async () => {} };
  const { url, drop } = await createDatabase(server, 'hms_test');
  return { url, kind: 'postgres', drop };
}
