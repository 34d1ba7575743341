/** What the benchmark ran on: CPU, cores, memory, operating system, Node and PostgreSQL. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { onServer } from '../../platform/testing/database.ts';

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  postgres: string;
  /** Settings of the server that matter for these figures. */
  postgresSettings: Record<string, string>;
}

function operatingSystem(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty} (${osType()} ${release()})`;
  } catch {
    // Not Linux, or no os-release: the kernel alone.
  }
  return `${osType()} ${release()}`;
}

/**
 * How busy the whole machine was from now until `stop()`: the share of its CPU time (all cores, every process — the
 * bench's own, PostgreSQL's and Kafka's included) that was not idle, and the load averages (1, 5, 15 minutes) at the
 * end, which count runnable threads beyond the cores.
 */
export function meterMachine(): { stop(): { busyShare: number; loadAverage: number[] } } {
  const before = cpuTotals();
  return {
    stop: () => {
      const after = cpuTotals();
      return {
        busyShare: after.all === before.all ? 0 : (after.busy - before.busy) / (after.all - before.all),
        loadAverage: loadavg(),
      };
    },
  };
}

function cpuTotals(): { busy: number; all: number } {
  return cpus().reduce(
    (sum, cpu) => {
      const { user, nice, sys, irq, idle } = cpu.times;
      return { busy: sum.busy + user + nice + sys + irq, all: sum.all + user + nice + sys + irq + idle };
    },
    { busy: 0, all: 0 },
  );
}

/** The share of the machine's CPU time (all cores) that was busy during the next `ms` milliseconds. */
export async function machineBusyShare(ms = 1000): Promise<number> {
  const totals = () =>
    cpus().reduce(
      (sum, cpu) => {
        const { user, nice, sys, irq, idle } = cpu.times;
        return { busy: sum.busy + user + nice + sys + irq, all: sum.all + user + nice + sys + irq + idle };
      },
      { busy: 0, all: 0 },
    );
  const before = totals();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = totals();
  return after.all === before.all ? 0 : (after.busy - before.busy) / (after.all - before.all);
}

export async function describeMachine(serverUrl: string): Promise<Machine> {
  const [version, settings] = await onServer(serverUrl, async (client) => {
    const version = await client.query<{ server_version: string }>('show server_version');
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      `select name, setting, unit from pg_settings
       where name in ('max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level')
       order by name`,
    );
    return [version.rows[0]!.server_version, settings.rows] as const;
  });
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: operatingSystem(),
    node: process.version,
    postgres: version,
    postgresSettings: Object.fromEntries(
      settings.map((row) => [row.name, row.unit === '8kB' ? `${(Number(row.setting) * 8) / 1024} MB` : row.setting]),
    ),
  };
}
