/** The PostgreSQL side of the benchmark: scratch databases, server facts and pgbench. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Runs `work` on a fresh connection to `url` and closes it. */
export async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server of `serverUrl`; `drop()` removes it (connections and all). */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await onDatabase(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      onDatabase(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
}

/** Asks the server for a checkpoint, so that one run's dirty pages are not written during the next (best effort). */
export async function checkpoint(serverUrl: string): Promise<void> {
  await onDatabase(serverUrl, (client) => client.query('checkpoint')).catch(() => {});
}

export interface PgbenchResult {
  scale: number;
  clients: number;
  threads: number;
  seconds: number;
  /** Transactions per second, excluding the time to open connections. */
  tps: number;
  latencyAverageMs: number;
  transactions: number;
  failed: number;
  initSeconds: number;
}

/** libpq's environment for `url`: pgbench reads the server from it. */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const parsed = new URL(url);
  return {
    ...process.env,
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username) || 'postgres',
    ...(parsed.password ? { PGPASSWORD: decodeURIComponent(parsed.password) } : {}),
    PGDATABASE: parsed.pathname.slice(1),
  };
}

/** `pgbench -i -s <scale>` then the built-in TPC-B-like script for `seconds` on the database `url`. */
export async function pgbench(
  url: string,
  options: { pgbench: string; scale: number; clients: number; threads: number; seconds: number },
): Promise<PgbenchResult> {
  const env = libpqEnv(url);
  const initStarted = performance.now();
  await run(options.pgbench, ['-i', '-q', '-s', String(options.scale)], { env });
  const initSeconds = (performance.now() - initStarted) / 1000;
  const { stdout } = await run(
    options.pgbench,
    ['-c', String(options.clients), '-j', String(options.threads), '-T', String(options.seconds)],
    { env },
  );
  return { ...parsePgbench(stdout), ...options, initSeconds };
}

/** Reads tps (without initial connection time), the average latency and the transaction counts. */
export function parsePgbench(output: string): {
  tps: number;
  latencyAverageMs: number;
  transactions: number;
  failed: number;
} {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(output)?.[1];
  const transactions = /number of transactions actually processed: (\d+)/.exec(output)?.[1];
  const failed = /number of failed transactions: (\d+)/.exec(output)?.[1];
  if (!tps || !latency || !transactions) throw new Error(`cannot read pgbench's output:\n${output}`);
  return {
    tps: Number(tps),
    latencyAverageMs: Number(latency),
    transactions: Number(transactions),
    failed: Number(failed ?? 0),
  };
}

/** The version line of the pgbench binary. */
export async function pgbenchVersion(pgbenchPath: string): Promise<string> {
  const { stdout } = await run(pgbenchPath, ['--version']);
  return stdout.trim();
}
