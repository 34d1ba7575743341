/** What an import reports: per entity kind, how many rows were created, skipped or failed, and why. */

export type EntityKind = 'departments' | 'doctors' | 'patients';

/** A row that was not imported. */
export interface RowFailure {
  /** The record's line in its CSV file (header = line 1); 0 for derived rows such as departments. */
  row: number;
  /** The source id of the row (Synthea Id), or a department's code, when known. */
  id?: string;
  reason: string;
}

/** Outcome of one entity kind. `created + skipped + failed === total` once the kind is done. */
export interface KindSummary {
  total: number;
  created: number;
  /** Already in the graph (found by identifier or name, or refused with `CONFLICT` as a concurrent import made it). */
  skipped: number;
  failed: number;
  /** Every failure, by row. */
  failures: RowFailure[];
}

export interface ImportSummary {
  departments: KindSummary;
  doctors: KindSummary;
  patients: KindSummary;
  /** Wall-clock duration of the whole import, in milliseconds. */
  elapsedMs: number;
}

/** Progress of one kind after a row has been handled. */
export interface ImportProgress {
  kind: EntityKind;
  /** Rows handled so far (created + skipped + failed). */
  done: number;
  total: number;
  created: number;
  skipped: number;
  failed: number;
}

/** Counts the outcomes of one kind and reports progress after each row. */
export class KindTally {
  readonly kind: EntityKind;
  readonly #summary: KindSummary;
  readonly #onProgress: ((progress: ImportProgress) => void) | undefined;

  constructor(kind: EntityKind, total: number, onProgress?: (progress: ImportProgress) => void) {
    this.kind = kind;
    this.#summary = { total, created: 0, skipped: 0, failed: 0, failures: [] };
    this.#onProgress = onProgress;
  }

  created(): void {
    this.#summary.created++;
    this.#report();
  }

  skipped(): void {
    this.#summary.skipped++;
    this.#report();
  }

  failed(failure: RowFailure): void {
    this.#summary.failed++;
    this.#summary.failures.push(failure);
    this.#report();
  }

  /** The outcome so far, failures sorted by row (concurrent requests finish in any order). */
  summary(): KindSummary {
    return { ...this.#summary, failures: [...this.#summary.failures].sort((a, b) => a.row - b.row) };
  }

  #report(): void {
    const { total, created, skipped, failed } = this.#summary;
    this.#onProgress?.({ kind: this.kind, done: created + skipped + failed, total, created, skipped, failed });
  }
}
