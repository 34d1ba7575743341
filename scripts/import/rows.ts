/**
 * What every source's plan is made of, whatever the data set: rows mapped to the graph's inputs (or refused with a
 * reason), the identifiers they carry, and the loop that creates one kind of them.
 */
import type { z } from 'zod';
import { forEachConcurrently } from './concurrency.ts';
import type { FoundRecord, Outcome } from './graph.ts';
import type { KindSummary, KindTally } from './import-summary.ts';

/** The importer's own code for a row that did not validate (it is never sent). */
export const INVALID_ROW = 'INVALID_ROW';

/** FHIR `Identifier` as the graph's inputs take it. */
export interface IdentifierInput {
  system: string;
  value: string;
}

/** `CreateDoctorInput` without `departmentId`, which is known only once the department exists (FHIR `Practitioner`). */
export interface DoctorInputDraft {
  givenName: string;
  familyName: string;
  specialization: string;
  /** Minor units (cents) of the hospital's currency. */
  consultationFeeAmount: number;
  /** E.164; absent when unknown. */
  phone?: string;
  identifiers: IdentifierInput[];
}

/** A mapped row, or why it cannot be imported. */
export type Mapped<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One source row and what it maps to. */
export interface PlannedRow<T> {
  /** The record's line in its file (header = line 1); 0 for derived rows such as the no-show doctors. */
  row: number;
  /** The row's id in the source, the value of its identifier ('' when missing). */
  id: string;
  mapped: Mapped<T>;
}

/**
 * The first zod issue as `Column: message`, followed by the column's value (`Age: … ("-1")`) when `fields` (the
 * record that was parsed) is given.
 */
export function reasonOf(error: z.ZodError, fields?: Record<string, string>): string {
  const issue = error.issues[0]!;
  const column = issue.path.map(String).join('.') || 'row';
  const value = fields?.[column];
  return `${column}: ${issue.message}${value === undefined ? '' : ` (${JSON.stringify(value)})`}`;
}

/**
 * Creates every mapped row whose id is not in `existing`, at most `concurrency` requests at a time. A row that did not
 * map fails as `INVALID_ROW` without a request; an existing one is skipped; `create` decides the rest (see `attempt`).
 *
 * @returns the summary, every row's record by id (existing, created, or found after a `CONFLICT`), and the ids of the
 *   records this run created.
 */
export async function createRows<T>(job: {
  tally: KindTally;
  rows: readonly PlannedRow<T>[];
  existing: ReadonlyMap<string, FoundRecord>;
  concurrency: number;
  create: (value: T, id: string) => Promise<Outcome<FoundRecord, FoundRecord>>;
}): Promise<{ summary: KindSummary; records: Map<string, FoundRecord>; created: string[] }> {
  const { tally } = job;
  const records = new Map(job.existing);
  const created: string[] = [];
  await forEachConcurrently(job.rows, job.concurrency, async ({ row, id, mapped }) => {
    if (!mapped.ok) return tally.failed({ row, ...(id ? { id } : {}), code: INVALID_ROW, reason: mapped.reason });
    if (job.existing.has(id)) return tally.skipped();
    const outcome = await job.create(mapped.value, id);
    if (outcome.kind === 'failed')
      return tally.failed({ row, ...(id ? { id } : {}), code: outcome.code, reason: outcome.reason });
    if (outcome.kind === 'skipped') {
      records.set(id, outcome.found);
      return tally.skipped();
    }
    records.set(id, outcome.value);
    created.push(outcome.value.id);
    tally.created();
  });
  return { summary: tally.summary(), records, created };
}

/**
 * Marks the second and later rows with an Id already seen as failed: two rows cannot both become the record
 * that carries that identifier.
 */
export function refuseDuplicateIds<T>(rows: PlannedRow<T>[]): PlannedRow<T>[] {
  const firstRow = new Map<string, number>();
  return rows.map((planned) => {
    if (!planned.mapped.ok) return planned;
    const first = firstRow.get(planned.id);
    if (first === undefined) {
      firstRow.set(planned.id, planned.row);
      return planned;
    }
    return { ...planned, mapped: { ok: false, reason: `Id: same as row ${first}` } };
  });
}
