/**
 * Reading CSV exports with a real parser (csv-parse): quoted fields may hold commas, quotes and line breaks.
 * Records are streamed, so a large file (encounters) never sits in memory whole.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';

/** One record: its fields by header name (every header column present, '' when the row is short). */
export interface CsvRecord {
  /** The record's line in the file as an editor shows it: the header is line 1, the first record line 2. */
  row: number;
  fields: Record<string, string>;
}

/** A file that cannot be read as the CSV it should be: missing, without a required column, or malformed. */
export class CsvFileError extends Error {
  /** @param file how the message names the file, e.g. `patients.csv`. */
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CsvFileError';
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Streams the records of a CSV file with a header line.
 *
 * @param source a file path, or the CSV text itself (tests).
 * @param name how errors name the file, e.g. `patients.csv`.
 * @param requiredColumns header names that must be present; checked before the first record.
 * @throws CsvFileError when the file cannot be opened, a required column is missing, or the CSV is malformed
 *   (an unclosed quote, say). A short row is not an error: its missing fields are ''.
 */
export async function* readCsvRecords(
  source: { path: string } | { text: string },
  name: string,
  requiredColumns: readonly string[],
): AsyncGenerator<CsvRecord> {
  let header: string[] = [];
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    // A short or long row is the row's problem, reported by its own validation, not the whole file's.
    relax_column_count: true,
    info: true,
    columns: (names: string[]) => {
      const missing = requiredColumns.filter((column) => !names.includes(column));
      if (missing.length) throw new CsvFileError(name, `missing column(s) ${missing.join(', ')}`);
      header = names;
      return names;
    },
  });
  const input = 'path' in source ? createReadStream(source.path) : Readable.from([source.text]);
  input.on('error', (error: Error) => parser.destroy(error));
  try {
    for await (const { record, info } of input.pipe(parser) as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      const fields = Object.fromEntries(header.map((column) => [column, record[column] ?? '']));
      // `info.lines` is the line the record ends on; a quoted line break inside it started it earlier.
      const breaks = Object.values(record).reduce((sum, value) => sum + (value.match(LINE_BREAK)?.length ?? 0), 0);
      yield { row: info.lines - breaks, fields };
    }
  } catch (error) {
    if (error instanceof CsvFileError) throw error;
    const cause = error as NodeJS.ErrnoException;
    if (cause.code === 'ENOENT') throw new CsvFileError(name, 'file not found');
    throw new CsvFileError(name, cause.message);
  } finally {
    input.destroy();
  }
}
