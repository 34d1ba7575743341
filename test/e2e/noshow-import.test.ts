/**
 * The no-show data set through the graph's own API (test/fixtures/noshow-slice: 159 real rows chosen for their
 * quirks): the schedule replayed on coming weeks with every booking rule, the history with its outcomes through the
 * admin-only import, and reruns that create nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { GraphMismatchError } from '../../scripts/import/cli.ts';
import { importNoShow } from '../../scripts/import/noshow.ts';

const file = fileURLToPath(new URL('../fixtures/noshow-slice/KaggleV2-May-2016.csv', import.meta.url));

let graph: TestGraph;
let admin: GraphClient;

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
});
afterAll(async () => {
  await graph?.stop();
});

describe('importing the no-show slice', () => {
  it('stops before booking when --timezone is not the graph’s time zone', async () => {
    // The graph runs in UTC: 09:00 in São Paulo is its 12:00, inside clinic hours, yet not the planned slot.
    const run = importNoShow({ file, client: admin, mode: 'replay', timeZone: 'America/Sao_Paulo', limit: 5 });
    await expect(run).rejects.toThrow(GraphMismatchError);
    const booked = await admin.data<{ appointments: { totalCount: number } }>('{ appointments { totalCount } }');
    expect(booked.appointments.totalCount).toBe(0);
  });

  it('replays every row through bookAppointment and reports the refusals by code', async () => {
    const replay = await importNoShow({ file, client: admin, mode: 'replay' });
    expect(replay.appointments).toMatchObject({ total: 159, created: 117, failed: 42 });
    expect(replay.appointments.createdByStatus).toEqual({ PENDING: 117 });
    // Saturday visits fall outside the default Monday–Friday hours; the Age -1 row is invalid; two of the data
    // set's same-day repeats land on the same slot.
    expect(
      Object.fromEntries(Object.entries(replay.appointments.failedByCode).map(([code, { count }]) => [code, count])),
    ).toEqual({
      DOCTOR_UNAVAILABLE: 39,
      INVALID_ROW: 1,
      PATIENT_DOUBLE_BOOKED: 2,
    });
    const booked = await admin.data<{ appointments: { totalCount: number } }>(
      '{ appointments(filter: { status: [PENDING] }) { totalCount } }',
    );
    expect(booked.appointments.totalCount).toBe(117);
  });

  it('imports the history with its outcomes, marked imported', async () => {
    const history = await importNoShow({ file, client: admin, mode: 'history' });
    expect(history.appointments.createdByStatus).toEqual({ COMPLETED: 123, NO_SHOW: 35 });
    const past = await admin.data<{ appointments: { totalCount: number; edges: { node: { imported: boolean } }[] } }>(
      '{ appointments(filter: { status: [COMPLETED, NO_SHOW] }, first: 100) { totalCount edges { node { imported } } } }',
    );
    expect(past.appointments.totalCount).toBe(158);
    expect(past.appointments.edges.every((edge) => edge.node.imported)).toBe(true);
  });

  it('creates nothing when either mode runs again', async () => {
    for (const mode of ['replay', 'history'] as const) {
      const again = await importNoShow({ file, client: admin, mode });
      expect([
        again.departments.created,
        again.doctors.created,
        again.patients.created,
        again.appointments.created,
      ]).toEqual([0, 0, 0, 0]);
      // The replay keeps the first run's week shift, read off its bookings.
      if (mode === 'replay') expect(again.replay?.pinned).toBe(true);
    }
  });
});
