/** How the no-show import's summary reads: the table of every kind, then the appointments by status and by code. */
import { formatSummary } from './report.ts';
import type { NoShowSummary } from './noshow.ts';

/**
 * The summary table (`formatSummary`), then for appointments: the replay's week shift (and whether it was kept from
 * the run that booked first, or computed from today), what was created by status, and what failed by code with
 * example rows:
 *
 * ```
 * mode replay: moved forward 500 weeks (from today), 2025-11-28 … 2026-01-02
 * appointments created by status: PENDING 117
 * appointments failed by code:
 *   DOCTOR_UNAVAILABLE  39  e.g. rows 110, 111, 112, 113, 114
 * ```
 */
export function formatNoShowSummary(summary: NoShowSummary): string {
  const lines: string[] = [];
  const { replay, appointments } = summary;
  lines.push(
    replay
      ? `mode replay: moved forward ${replay.weeks} weeks (${replay.pinned ? 'kept from the first run' : 'from today'}), ${replay.firstDay} … ${replay.lastDay}`
      : `mode ${summary.mode}`,
  );
  const statuses = Object.entries(appointments.createdByStatus).sort(([a], [b]) => a.localeCompare(b));
  lines.push(
    `appointments created by status: ${statuses.length ? statuses.map(([status, n]) => `${status} ${n}`).join(', ') : 'none'}`,
  );
  const codes = Object.entries(appointments.failedByCode);
  if (codes.length) {
    lines.push('appointments failed by code:');
    const width = Math.max(...codes.map(([code]) => code.length));
    const countWidth = Math.max(...codes.map(([, { count }]) => String(count).length));
    for (const [code, { count, examples }] of codes) {
      const rows = `${examples.length === 1 ? 'row' : 'rows'} ${examples.join(', ')}`;
      lines.push(`  ${code.padEnd(width)}  ${String(count).padStart(countWidth)}  e.g. ${rows}`);
    }
  }
  return `${formatSummary(summary)}\n${lines.join('\n')}\n`;
}
