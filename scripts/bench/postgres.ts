/** The PostgreSQL side of the benchmark: checkpoints and pgbench (scratch databases: `platform/testing/database.ts`). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { onServer } from '../../platform/testing/database.ts';

const run = promisify(execFile);

/** Asks the server for a checkpoint, so that one run's dirty pages are not written during the next. */
export async function checkpoint(serverUrl: string): Promise<void> {
  await onServer(serverUrl, (client) => client.query('checkpoint'));
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

/** `pgbench -i -s <scale>` on the database `url` (a connection URI, which pgbench takes as its dbname); seconds. */
export async function pgbenchInit(url: string, options: { pgbench: string; scale: number }): Promise<number> {
  const started = performance.now();
  await run(options.pgbench, ['-i', '-q', '-s', String(options.scale), url]);
  return (performance.now() - started) / 1000;
}

/** The built-in TPC-B-like script for `seconds` on the database `url`, initialised by `pgbenchInit`. */
export async function pgbenchRun(
  url: string,
  options: { pgbench: string; clients: number; threads: number; seconds: number },
): Promise<ReturnType<typeof parsePgbench>> {
  const { stdout } = await run(options.pgbench, [
    '-c',
    String(options.clients),
    '-j',
    String(options.threads),
    '-T',
    String(options.seconds),
    url,
  ]);
  return parsePgbench(stdout);
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
