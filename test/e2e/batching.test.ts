/**
 * Batching (issue 10): a federated page of patients with their appointments (doctor, department, bills, payments)
 * and their bills (payments) costs the same number of subgraph requests and SQL statements for 10, 50 or 100
 * patients. An N+1 anywhere on the page (a resolver reading per parent instead of through a DataLoader, a nested
 * connection queried once per parent) makes the larger pages cost more, and this test fail.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { describeBatching, measureBatching, type BatchingMeasurement } from '../../scripts/bench/batching.ts';

let graph: TestGraph;
let measurements: BatchingMeasurement[];

beforeAll(async () => {
  graph = await startTestGraph();
  measurements = await measureBatching({ graph, admin: await graph.admin(), pageSizes: [10, 50, 100] });
  console.log(`batching: ${describeBatching(measurements)}\n${JSON.stringify(measurements, null, 2)}`);
}, 600_000);
afterAll(async () => {
  await graph?.stop();
});

describe('a page of patients with their appointments, doctors and bills', () => {
  it('returns the whole seeded page at every size', () => {
    for (const { pageSize, returned } of measurements) {
      // Two appointments per patient, the first with a bill (read on both paths) part-paid once.
      expect(returned).toEqual({
        patients: pageSize,
        appointments: 2 * pageSize,
        bills: 2 * pageSize,
        payments: 2 * pageSize,
      });
    }
  });

  it('sends the same subgraph requests to each subgraph whatever the page size', () => {
    const [smallest, ...larger] = measurements;
    // Patients, appointments, doctors (doctor and department), billing (both bill paths), payments at least.
    expect(Object.keys(smallest!.counts.subgraphRequests).sort()).toEqual(
      expect.arrayContaining(['appointments', 'billing', 'doctors', 'patients', 'payments']),
    );
    for (const measurement of larger) {
      expect(measurement.counts.subgraphRequests).toEqual(smallest!.counts.subgraphRequests);
    }
  });

  it('runs the same SQL statements in each subgraph whatever the page size', () => {
    const [smallest, ...larger] = measurements;
    for (const subgraph of ['appointments', 'billing', 'doctors', 'patients', 'payments']) {
      expect(smallest!.counts.sqlStatements[subgraph]).toBeGreaterThan(0);
    }
    for (const measurement of larger) {
      expect(measurement.counts.sqlStatements).toEqual(smallest!.counts.sqlStatements);
    }
  });
});
