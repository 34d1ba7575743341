import { describe, expect, it } from '@jest/globals';
import type { ImportProgress, ImportSummary, KindSummary } from './import-summary.ts';
import { createProgressPrinter, formatProgress, formatSummary } from './report.ts';

const kind = (overrides: Partial<KindSummary> = {}): KindSummary => ({
  total: 0,
  created: 0,
  skipped: 0,
  failed: 0,
  failures: [],
  ...overrides,
});

function progressOf(done: number, total: number): ImportProgress {
  return { kind: 'patients', done, total, created: done, skipped: 0, failed: 0 };
}

describe('formatProgress', () => {
  it('shows one kind on one line', () => {
    // Kinds padded to the longest, "encounterNotes".
    expect(formatProgress(progressOf(50, 111))).toBe('patients        50/111  created 50  skipped 0  failed 0');
    expect(formatProgress({ ...progressOf(50, 111), kind: 'appointments' })).toBe(
      'appointments    50/111  created 50  skipped 0  failed 0',
    );
    expect(formatProgress({ ...progressOf(50, 111), kind: 'encounterNotes' })).toBe(
      'encounterNotes  50/111  created 50  skipped 0  failed 0',
    );
  });
});

describe('createProgressPrinter', () => {
  it('writes a line per tenth when the output is not a terminal', () => {
    const lines: string[] = [];
    const print = createProgressPrinter({ write: (text) => lines.push(text), isTTY: false });
    for (let done = 1; done <= 111; done++) print(progressOf(done, 111));
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toBe('patients       111/111  created 111  skipped 0  failed 0\n');
  });

  it('rewrites one line in place on a terminal, throttled, and keeps the last one', () => {
    const writes: string[] = [];
    let now = 0;
    const print = createProgressPrinter(
      { write: (text) => writes.push(text), isTTY: true },
      { intervalMs: 100, now: () => now },
    );
    for (let done = 1; done <= 10; done++) {
      now += 30;
      print(progressOf(done, 10));
    }
    // At 30 ms, 150 ms and 270 ms (100 ms apart at least), and the finished line at 300 ms.
    expect(writes).toHaveLength(4);
    expect(writes.every((text) => text.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes.at(-1)!.endsWith('10/10  created 10  skipped 0  failed 0\n')).toBe(true);
  });
});

describe('formatSummary', () => {
  it('prints a table and lists at most 20 failures per kind', () => {
    const failures = Array.from({ length: 23 }, (_, index) => ({
      row: index + 2,
      id: `p${index}`,
      reason: 'FIRST: must not be empty',
    }));
    const summary: ImportSummary = {
      departments: kind({ total: 8, created: 8 }),
      doctors: kind({ total: 215, skipped: 215 }),
      patients: kind({ total: 111, created: 88, failed: 23, failures }),
      elapsedMs: 4321,
    };
    const text = formatSummary(summary);
    expect(text).toContain(
      [
        'kind         total  created  skipped  failed',
        'departments      8        8        0       0',
        'doctors        215        0      215       0',
        'patients       111       88        0      23',
        'elapsed 4.3 s',
      ].join('\n'),
    );
    expect(text).toContain('  row 2 (p0): FIRST: must not be empty');
    expect(text).toContain('  row 21 (p19): FIRST: must not be empty');
    expect(text).not.toContain('row 22 (p20)');
    expect(text).toContain('  …and 3 more');
  });

  it('lists the clinical kinds of a Synthea import after the patients', () => {
    const summary: ImportSummary = {
      departments: kind({ total: 10, skipped: 10 }),
      doctors: kind({ total: 215, skipped: 215 }),
      patients: kind({ total: 111, skipped: 111 }),
      medicines: kind({ total: 128, created: 128 }),
      prescriptions: kind({ total: 6124, created: 6124 }),
      diagnoses: kind({
        total: 4428,
        created: 4427,
        failed: 1,
        failures: [{ row: 7, code: 'NO_PATIENT', reason: 'x' }],
      }),
      encounterNotes: kind({ total: 7584, created: 7584 }),
      elapsedMs: 61_500,
    };
    const text = formatSummary(summary);
    expect(text).toContain(
      [
        'kind            total  created  skipped  failed',
        'departments        10        0       10       0',
        'doctors           215        0      215       0',
        'patients          111        0      111       0',
        'medicines         128      128        0       0',
        'prescriptions    6124     6124        0       0',
        'diagnoses        4428     4427        0       1',
        'encounterNotes   7584     7584        0       0',
        'elapsed 61.5 s',
        '',
        'diagnoses failed:',
        '  row 7: x',
      ].join('\n'),
    );
  });
});
