/**
 * What the database side looks like during the measured run, sampled every 100 ms: how many requests wait for a
 * connection of each subgraph's pool (pg's `waitingCount`), and how many of the graph's server backends are busy
 * idle inside a transaction or waiting on a lock (`pg_stat_activity`); and how busy the graph's thread is.
 * It only reads, but it is not free: the sampler runs in the graph's process, on its event loop (reading the pools
 * and querying `pg_stat_activity` over a connection of its own), so its small cost is counted in the graph's
 * event-loop utilisation and CPU figures.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Subgraph } from '../../platform/subgraph.ts';

export interface PoolFigures {
  /** Per subgraph: pool size limit reached, most requests waiting at once, share of samples with a wait. */
  subgraphs: { name: string; maxOpen: number; maxWaiting: number; waitingShare: number }[];
  /** Most of the graph's backends active at once, and the share of samples with one waiting on a lock. */
  maxActiveBackends: number;
  /** Most backends at once inside a transaction but idle: waiting for the graph to send the next statement. */
  maxIdleInTransaction: number;
  meanIdleInTransaction: number;
  maxLockWaiters: number;
  lockWaitShare: number;
  samples: number;
  /** Event-loop utilisation of the graph's thread (0–1) and its process's CPU time per second of run. */
  eventLoopUtilisation: number;
  cpuPerSecond: number;
}

interface PoolWatch {
  /** Ends the sampling and closes its connection; the figures. Safe to call again (same answer). */
  stop(): Promise<PoolFigures>;
}

export async function watchPools(
  graph: { subgraphs: readonly Subgraph[] },
  serverUrl: string,
  databaseName: string,
): Promise<PoolWatch> {
  const pools: { name: string; pool: pg.Pool }[] = [];
  for (const subgraph of graph.subgraphs) {
    // The graph runs on PostgreSQL here: the driver's native client is its `pg` pool.
    const pool = (await subgraph.runtime.orm.driver.getConnection().getNativeClient()) as pg.Pool;
    pools.push({ name: subgraph.name, pool });
  }
  const stats = pools.map(({ name }) => ({ name, maxOpen: 0, maxWaiting: 0, waitingSamples: 0 }));
  const client = new pg.Client({ connectionString: serverUrl });
  // A lost connection only ends the pg_stat_activity samples (each query fails); it must not crash the bench.
  client.on('error', () => {});
  await client.connect();
  let samples = 0;
  let activitySamples = 0;
  let maxActiveBackends = 0;
  let maxIdleInTransaction = 0;
  let idleInTransactionTotal = 0;
  const eluStart = performance.eventLoopUtilization();
  const cpuStart = process.cpuUsage();
  const startedAt = performance.now();
  let maxLockWaiters = 0;
  let lockWaitSamples = 0;
  let querying = false;

  const timer = setInterval(() => {
    samples++;
    pools.forEach(({ pool }, i) => {
      const stat = stats[i]!;
      stat.maxOpen = Math.max(stat.maxOpen, pool.totalCount);
      stat.maxWaiting = Math.max(stat.maxWaiting, pool.waitingCount);
      if (pool.waitingCount > 0) stat.waitingSamples++;
    });
    if (querying) return;
    querying = true;
    client
      .query<{ active: number; idle_in_transaction: number; lock_waiters: number }>(
        `select count(*) filter (where state = 'active')::int as active,
                count(*) filter (where state = 'idle in transaction')::int as idle_in_transaction,
                count(*) filter (where wait_event_type = 'Lock')::int as lock_waiters
         from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [databaseName],
      )
      .then((result) => {
        const row = result.rows[0]!;
        activitySamples++;
        maxActiveBackends = Math.max(maxActiveBackends, row.active);
        maxIdleInTransaction = Math.max(maxIdleInTransaction, row.idle_in_transaction);
        idleInTransactionTotal += row.idle_in_transaction;
        maxLockWaiters = Math.max(maxLockWaiters, row.lock_waiters);
        if (row.lock_waiters > 0) lockWaitSamples++;
      })
      .catch(() => {})
      .finally(() => (querying = false));
  }, 100);
  // The bench's exit never waits for the sampler.
  timer.unref();

  const finish = async (): Promise<PoolFigures> => {
    clearInterval(timer);
    const elu = performance.eventLoopUtilization(eluStart);
    const cpu = process.cpuUsage(cpuStart);
    const seconds = (performance.now() - startedAt) / 1000;
    while (querying) await new Promise((resolve) => setTimeout(resolve, 10));
    await client.end();
    return {
      subgraphs: stats.map((stat) => ({
        name: stat.name,
        maxOpen: stat.maxOpen,
        maxWaiting: stat.maxWaiting,
        waitingShare: samples === 0 ? 0 : stat.waitingSamples / samples,
      })),
      maxActiveBackends,
      maxIdleInTransaction,
      meanIdleInTransaction: activitySamples === 0 ? 0 : idleInTransactionTotal / activitySamples,
      maxLockWaiters,
      lockWaitShare: activitySamples === 0 ? 0 : lockWaitSamples / activitySamples,
      samples,
      eventLoopUtilisation: elu.utilization,
      cpuPerSecond: (cpu.user + cpu.system) / 1e6 / seconds,
    };
  };
  let stopped: Promise<PoolFigures> | undefined;
  return { stop: () => (stopped ??= finish()) };
}
