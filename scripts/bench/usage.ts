/**
 * How busy one bench process was during a measured run: its event-loop utilisation (the share of time its one
 * JavaScript thread was not idle) and its CPU time per second of run (all its threads: GC, crypto, libuv). Each
 * process under test measures itself, so the figures are the process's own whatever else runs on the machine.
 */
import { performance } from 'node:perf_hooks';
import { startProfiler, type ProfileSummary } from './profile.ts';

export interface ProcessUsage {
  /** Event-loop utilisation, 0–1. */
  eventLoopUtilisation: number;
  /** CPU seconds per second of wall time (1.0 = one core fully busy). */
  cpuPerSecond: number;
}

/** Starts measuring now; `stop()` gives the figures since (and may be called again for the same answer). */
export function meterUsage(): { stop(): ProcessUsage } {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  let figures: ProcessUsage | undefined;
  return {
    stop: () => {
      if (figures) return figures;
      const seconds = (performance.now() - startedAt) / 1000;
      const used = process.cpuUsage(cpu);
      figures = {
        eventLoopUtilisation: performance.eventLoopUtilization(elu).utilization,
        cpuPerSecond: seconds > 0 ? (used.user + used.system) / 1e6 / seconds : 0,
      };
      return figures;
    },
  };
}

/** The jobs every process under test answers: usage and CPU profiles of a measured run. */
export type MeterJob =
  { kind: 'usage-start' } | { kind: 'usage-stop' } | { kind: 'profile-start' } | { kind: 'profile-stop'; path: string };

/** A handler for `MeterJob`s inside the process measured; undefined for other jobs. */
export function meterJobs(): (job: { kind: string; path?: string }) => Promise<unknown> | undefined {
  let usage: { stop(): ProcessUsage } | undefined;
  let profiler: { stop(path: string): Promise<ProfileSummary> } | undefined;
  return (job) => {
    switch (job.kind) {
      case 'usage-start':
        usage = meterUsage();
        return Promise.resolve(null);
      case 'usage-stop':
        if (!usage) return Promise.reject(new Error('usage-stop without usage-start'));
        return Promise.resolve(usage.stop());
      case 'profile-start':
        return startProfiler().then((started) => {
          profiler = started;
          return null;
        });
      case 'profile-stop':
        if (!profiler) return Promise.reject(new Error('profile-stop without profile-start'));
        return profiler.stop(job.path!);
      default:
        return undefined;
    }
  };
}
