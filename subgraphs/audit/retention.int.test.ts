/**
 * Retention of the audit log (`HMS_AUDIT_RETENTION_DAYS`) on a real database, with a clock the test sets: entries
 * recorded longer ago than the retention are removed oldest first, in batches, the anchor moving with them in the
 * same transaction, so what remains still verifies; a younger entry stops the run; appends continue the chain.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../platform/config.ts';
import { openAuditTestBed, someEvents, type AuditTestBed } from './audit.fixtures.ts';
import { RETENTION } from './retention.worker.ts';
import { auditEnv, auditSettings } from './subgraph.ts';

let bed: AuditTestBed;

beforeAll(async () => {
  bed = await openAuditTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const DAY = 24 * 60 * 60 * 1000;
const at = (iso: string) => new Date(iso);

describe('audit retention', () => {
  it('defaults to six years, refuses less than one, and is a daily worker of the subgraph', () => {
    expect(auditSettings(loadConfig(z.object(auditEnv), {}))).toEqual({
      retentionDays: 2192,
      retentionIntervalMs: DAY,
    });
    expect(() => loadConfig(z.object(auditEnv), { HMS_AUDIT_RETENTION_DAYS: '364' })).toThrow(ConfigError);
    expect(loadConfig(z.object(auditEnv), { HMS_AUDIT_RETENTION_DAYS: '365' }).HMS_AUDIT_RETENTION_DAYS).toBe(365);
    expect(bed.workers().map((worker) => worker.name)).toEqual([RETENTION]);
  });

  it('removes the oldest entries past retention with the anchor, and what remains still verifies', async () => {
    await bed.reset();
    // Five entries recorded on 1 Jan 2026, three on 1 Mar 2026, two on 1 Jan 2026 again (a lagging replica's clock).
    for (const [day, count] of [
      ['2026-01-01T00:00:00Z', 5],
      ['2026-03-01T00:00:00Z', 3],
      ['2026-01-01T00:00:00Z', 2],
    ] as const) {
      bed.setNow(at(day));
      await bed.deliverAll(someEvents(count, at(day)));
    }
    const before = await bed.entries();

    // A year after 1 Jan plus a day: the first five are past retention; the batch of two removes them in three rounds.
    bed.setNow(new Date(at('2026-01-01T00:00:00Z').getTime() + 366 * DAY));
    const worker = bed.retention({ retentionDays: 365, batchSize: 2 });
    expect(await worker.runOnce()).toEqual({ removed: 2, anchorPosition: 2 });
    expect(await worker.runOnce()).toEqual({ removed: 2, anchorPosition: 4 });
    expect(await worker.runOnce()).toEqual({ removed: 1, anchorPosition: 5 });
    // Entry 6 is younger: it stops the run, and the two old entries after it stay until it goes.
    expect(await worker.runOnce()).toEqual({ removed: 0, anchorPosition: 5 });
    expect((await bed.entries()).map((entry) => entry.position)).toEqual([6, 7, 8, 9, 10]);
    const [anchor] = await bed.sql<{ position: string | number; hash: string }>(
      'select "position", "hash" from "audit"."audit_chain_anchor"',
    );
    expect([Number(anchor!.position), anchor!.hash]).toEqual([5, before[4]!.hash]);
    expect(await bed.verify(2)).toMatchObject({ valid: true, length: 5, anchorPosition: 5 });

    // Appends go on from the head; a later round removes the rest once they are all past retention.
    await bed.deliverAll(someEvents(1));
    expect(await bed.verify()).toMatchObject({ valid: true, length: 6 });
    bed.setNow(new Date(at('2026-03-01T00:00:00Z').getTime() + 366 * DAY));
    expect(await bed.retention({ retentionDays: 365 }).runOnce()).toEqual({ removed: 5, anchorPosition: 10 });
    expect(await bed.verify()).toMatchObject({
      valid: true,
      length: 1,
      anchorPosition: 10,
      head: { lastPosition: 11 },
    });
  });

  it('notices entries removed from the oldest end without the anchor (POSITION_GAP at the first)', async () => {
    await bed.reset();
    await bed.deliverAll(someEvents(4));
    await bed.sql('delete from "audit"."audit_event" where "position" <= 2');
    expect(await bed.verify()).toMatchObject({ valid: false, firstBrokenPosition: 1, reason: 'POSITION_GAP' });
  });
});
