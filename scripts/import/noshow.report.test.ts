import { describe, expect, it } from '@jest/globals';
import type { KindSummary } from './import-summary.ts';
import { formatNoShowSummary } from './noshow.report.ts';
import type { NoShowSummary } from './noshow.ts';

const kind = (overrides: Partial<KindSummary> = {}): KindSummary => ({
  total: 0,
  created: 0,
  skipped: 0,
  failed: 0,
  failures: [],
  ...overrides,
});

describe('formatNoShowSummary', () => {
  it('adds appointments to the table, then the week shift, the statuses and the codes with example rows', () => {
    const summary: NoShowSummary = {
      mode: 'replay',
      departments: kind({ total: 37, created: 37 }),
      doctors: kind({ total: 46, created: 46 }),
      patients: kind({ total: 155, created: 155 }),
      appointments: {
        ...kind({ total: 159, created: 117, failed: 42 }),
        createdByStatus: { PENDING: 117 },
        failedByCode: {
          DOCTOR_UNAVAILABLE: { count: 39, examples: [110, 111, 112, 113, 114] },
          INVALID_ROW: { count: 1, examples: [158] },
        },
      },
      replay: { weeks: 500, pinned: false, firstDay: '2025-11-28', lastDay: '2026-01-02' },
      elapsedMs: 5400,
    };
    const text = formatNoShowSummary(summary);
    expect(text).toContain('appointments    159      117        0      42\nelapsed 5.4 s');
    expect(text).toContain(
      [
        'mode replay: moved forward 500 weeks (from today), 2025-11-28 … 2026-01-02',
        'appointments created by status: PENDING 117',
        'appointments failed by code:',
        '  DOCTOR_UNAVAILABLE  39  e.g. rows 110, 111, 112, 113, 114',
        '  INVALID_ROW          1  e.g. row 158',
      ].join('\n'),
    );
    const rerun = formatNoShowSummary({ ...summary, replay: { ...summary.replay!, pinned: true } });
    expect(rerun).toContain('mode replay: moved forward 500 weeks (kept from the first run), 2025-11-28 … 2026-01-02');
  });
});
