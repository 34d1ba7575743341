/** How the import CLI shows an import to a person: a progress line per entity kind, then a summary table. */
import { ENTITY_KINDS, type EntityKind, type ImportProgress, type ImportSummary } from './import-summary.ts';

/** Failures listed per kind before the rest are only counted. */
const MAX_LISTED_FAILURES = 20;
const KIND_WIDTH = Math.max(...ENTITY_KINDS.map((kind) => kind.length));

/** `patients        50/111  created 50  skipped 0  failed 0`: the kind padded to the longest, "encounterNotes". */
export function formatProgress(progress: ImportProgress): string {
  const { kind, done, total, created, skipped, failed } = progress;
  return `${kind.padEnd(KIND_WIDTH)} ${String(done).padStart(String(total).length)}/${total}  created ${created}  skipped ${skipped}  failed ${failed}`;
}

/** Where progress lines go: stderr, say, and whether it is a terminal. */
interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * A progress reporter for the importers' `onProgress` (`importSynthea`, `importNoShow`). On a terminal one line per kind is rewritten in place,
 * at most every `intervalMs`; elsewhere (a log file, CI) a line is written each time another tenth of the kind is
 * done. Every kind's last line is always written.
 */
export function createProgressPrinter(
  output: ProgressOutput,
  options: { intervalMs?: number; now?: () => number } = {},
): (progress: ImportProgress) => void {
  const intervalMs = options.intervalMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let lastWrite = -Infinity;
  const lastTenth = new Map<EntityKind, number>();
  return (progress) => {
    const finished = progress.done === progress.total;
    if (output.isTTY) {
      if (!finished && now() - lastWrite < intervalMs) return;
      lastWrite = now();
      // \r and "erase line" rewrite the line in place; the finished line is kept.
      output.write(`\r\x1b[2K${formatProgress(progress)}${finished ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((progress.done * 10) / Math.max(progress.total, 1));
    if (!finished && tenth <= (lastTenth.get(progress.kind) ?? 0)) return;
    lastTenth.set(progress.kind, tenth);
    output.write(`${formatProgress(progress)}\n`);
  };
}

/**
 * The summary as a table, then the failures of each kind (at most 20 listed, then "…and N more"):
 *
 * ```
 * kind          total  created  skipped  failed
 * departments      10       10        0       0
 * ...
 * ```
 */
export function formatSummary(summary: ImportSummary): string {
  const header = ['kind', 'total', 'created', 'skipped', 'failed'];
  // Appointments, medicines and the rest only for the sources that import them.
  const kinds = ENTITY_KINDS.filter((kind) => summary[kind] !== undefined);
  const rows = kinds.map((kind) => {
    const { total, created, skipped, failed } = summary[kind]!;
    return [kind, total, created, skipped, failed].map(String);
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  const lines = [line(header), ...rows.map(line), `elapsed ${(summary.elapsedMs / 1000).toFixed(1)} s`];
  for (const kind of kinds) {
    const { failures } = summary[kind]!;
    if (failures.length === 0) continue;
    lines.push('', `${kind} failed:`);
    for (const failure of failures.slice(0, MAX_LISTED_FAILURES)) {
      const where = failure.row > 0 ? `row ${failure.row}` : 'derived';
      lines.push(`  ${where}${failure.id ? ` (${failure.id})` : ''}: ${failure.reason}`);
    }
    if (failures.length > MAX_LISTED_FAILURES) lines.push(`  …and ${failures.length - MAX_LISTED_FAILURES} more`);
  }
  return `${lines.join('\n')}\n`;
}
