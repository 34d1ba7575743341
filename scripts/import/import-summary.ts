/** What an import reports: per entity kind, how many rows were created, skipped or failed, and why. */

export type EntityKind =
  | 'departments'
  | 'doctors'
  | 'patients'
  | 'appointments'
  | 'medicines'
  | 'prescriptions'
  | 'diagnoses'
  | 'encounterNotes';

/** Every kind, in the order an import reports them. */
export const ENTITY_KINDS: readonly EntityKind[] = [
  'departments',
  'doctors',
  'patients',
  'appointments',
  'medicines',
  'prescriptions',
  'diagnoses',
  'encounterNotes',
];

/** A row that was not imported. */
interface RowFailure {
  /** The record's line in its CSV file (header = line 1); 0 for derived rows such as departments and no-show doctors. */
  row: number;
  /**
   * The source id of the row when known: a Synthea Id, a no-show AppointmentID or PatientId, a no-show doctor's key
   * (`<Neighbourhood>#<n>`), or a department's code.
   */
  id?: string;
  /**
   * The graph's error code (`extensions.code`; `ERROR` when it gave none), or the importer's own: `INVALID_ROW`,
   * `REQUEST_FAILED` (no GraphQL answer), `NO_DEPARTMENT`, for no-show appointments and Synthea's clinical rows
   * `NO_PATIENT`, `NO_DOCTOR`, and for Synthea's prescriptions `NO_MEDICINE`.
   */
  code?: string;
  reason: string;
}

/** Outcome of one entity kind. `created + skipped + failed === total` once the kind is done. */
export interface KindSummary {
  total: number;
  created: number;
  /**
   * Already in the graph: found by identifier (departments by name) before the create, or after the graph refused it
   * with `CONFLICT` (a concurrent import made it).
   */
  skipped: number;
  failed: number;
  /** Every failure, by row. */
  failures: RowFailure[];
}

export interface ImportSummary {
  departments: KindSummary;
  doctors: KindSummary;
  patients: KindSummary;
  /** Sources that import appointments (the no-show data set). */
  appointments?: KindSummary;
  /** Sources that import clinical history (Synthea): the medicine catalogue, prescriptions, medical record entries. */
  medicines?: KindSummary;
  prescriptions?: KindSummary;
  diagnoses?: KindSummary;
  encounterNotes?: KindSummary;
  /** Wall-clock duration of the whole import, in milliseconds. */
  elapsedMs: number;
}

/** Rows that failed, over every kind. */
export function failedRows(summary: ImportSummary): number {
  return ENTITY_KINDS.reduce((sum, kind) => sum + (summary[kind]?.failed ?? 0), 0);
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

/** Failures of one code: how many, and the first few rows. */
export interface CodeCount {
  count: number;
  /** The smallest row numbers with this code, at most the number asked for. */
  examples: number[];
}

/**
 * Failures grouped by `code` (`UNCODED` without one), codes in alphabetical order, each with up to `examples`
 * example rows (the smallest).
 */
export function failuresByCode(failures: readonly RowFailure[], examples = 5): Record<string, CodeCount> {
  const byCode = new Map<string, CodeCount>();
  for (const failure of [...failures].sort((a, b) => a.row - b.row)) {
    const code = failure.code ?? 'UNCODED';
    let entry = byCode.get(code);
    if (!entry) byCode.set(code, (entry = { count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < examples) entry.examples.push(failure.row);
  }
  return Object.fromEntries([...byCode].sort(([a], [b]) => a.localeCompare(b)));
}
