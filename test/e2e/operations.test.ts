/**
 * What operators rely on (issue 9): readiness that tells the truth about the database, and a shutdown that loses
 * nothing.
 *
 * - The graph runs on a PostgreSQL server of the test's own (a private cluster made with `initdb` in a temporary
 *   folder, on a free port), which the test really stops and starts again: every subgraph's `/health/ready` turns
 *   503 naming the database, and 200 again once it is back, and the graph then works again.
 * - A burst of writes is cut by a graceful stop (what SIGTERM does): every request the gateway accepted is answered,
 *   no outbox message is left unpublished, and every committed change's event is on Kafka.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { onServer } from '../../platform/testing/database.ts';
import { eventually, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { requireServices, testDatabaseServer, testKafkaBrokers } from '../../platform/testing/services.ts';
import { aPatient } from '../builders.ts';

/** A PostgreSQL cluster of the test's own, which it may stop and start. */
class PrivateCluster {
  readonly port: number;
  readonly #dir: string;
  readonly #bin: string;
  /** Root may not run PostgreSQL: the server then runs as the `postgres` account. */
  readonly #as = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];

  private constructor(bin: string, dir: string, port: number) {
    this.#bin = bin;
    this.#dir = dir;
    this.port = port;
  }

  static async create(): Promise<PrivateCluster> {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    const dir = mkdtempSync(join(tmpdir(), 'hms-pg-'));
    const port = await freePort();
    const cluster = new PrivateCluster(bin, dir, port);
    if (process.getuid?.() === 0) chownSync(dir, ...postgresAccount());
    cluster.#run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    cluster.start();
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): void {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.#dir} -c fsync=off -c max_connections=200`;
    this.#run('pg_ctl', ['-D', join(this.#dir, 'data'), '-l', join(this.#dir, 'log'), '-o', options, '-w', 'start']);
  }

  stop(): void {
    this.#run('pg_ctl', ['-D', join(this.#dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  remove(): void {
    try {
      this.stop();
    } catch {
      // Already stopped.
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #run(program: string, args: string[]): void {
    const [command, ...prefix] = [...this.#as, join(this.#bin, program)];
    execFileSync(command!, [...prefix, ...args], { stdio: 'pipe' });
  }
}

/** The uid and gid of the `postgres` account. */
function postgresAccount(): [number, number] {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return [uid, gid];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when this machine can make a PostgreSQL cluster (its binaries are installed). */
function canMakeClusters(): boolean {
  try {
    execFileSync('pg_config', ['--bindir'], { stdio: 'pipe' });
    return true;
  } catch {
    if (requireServices) throw new Error('HMS_REQUIRE_SERVICES=1 but PostgreSQL binaries (pg_config) are missing');
    return false;
  }
}

/** Each subgraph's readiness: its HTTP status and checks. */
async function readiness(
  graph: TestGraph,
): Promise<Record<string, { status: number; checks: Record<string, boolean> }>> {
  const entries = await Promise.all(
    Object.entries(graph.subgraphUrls).map(async ([name, url]) => {
      const response = await fetch(url.replace(/\/graphql$/, '/health/ready'));
      const body = (await response.json()) as { checks: Record<string, boolean> };
      return [name, { status: response.status, checks: body.checks }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

(canMakeClusters() ? describe : describe.skip)('readiness follows the database', () => {
  let cluster: PrivateCluster;
  let graph: TestGraph;

  beforeAll(async () => {
    cluster = await PrivateCluster.create();
    graph = await startTestGraph({ env: { DATABASE_URL: cluster.url } });
  }, 180_000);

  afterAll(async () => {
    await graph?.stop();
    cluster?.remove();
  });

  it('turns not ready when PostgreSQL stops and ready again when it returns', async () => {
    const before = await readiness(graph);
    expect(Object.values(before).map((subgraph) => subgraph.status)).toEqual(Object.keys(before).map(() => 200));
    expect((await fetch(graph.url.replace(/\/graphql$/, '/health/ready'))).status).toBe(200);

    cluster.stop();
    const down = await eventually(async () => {
      const now = await readiness(graph);
      return Object.values(now).every((subgraph) => subgraph.status === 503) ? now : undefined;
    }, 30_000);
    for (const subgraph of Object.values(down)) {
      expect(subgraph.checks.database).toBe(false);
      expect(subgraph.checks.events).toBe(true);
    }
    const admin = await graph.admin().catch((error: unknown) => error);
    expect(admin).toBeInstanceOf(Error);

    cluster.start();
    await eventually(async () => {
      const now = await readiness(graph);
      return Object.values(now).every((subgraph) => subgraph.status === 200 && subgraph.checks.database);
    }, 60_000);
    // And it works again: sign in and write.
    const patient = await aPatient(await graph.admin());
    expect(patient.mrn).toMatch(/\S/);
  }, 120_000);
});

const brokers = testKafkaBrokers();
const server = testDatabaseServer();

(brokers && server ? describe : describe.skip)('a graceful stop in the middle of a burst of writes', () => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await startTestGraph();
  }, 120_000);

  afterAll(async () => {
    await graph?.stop();
  });

  it('answers what it accepted, publishes every committed event and leaves nothing in the outbox', async () => {
    const admin = await graph.admin();
    const family = `Shutdown-${randomBytes(3).toString('hex')}`;
    let answered = 0;
    const burst = Array.from({ length: 150 }, (_, index) =>
      admin
        .request<{ registerPatient: { id: string } }>(
          'mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }',
          { input: { givenName: `P${index}`, familyName: family, birthDate: '1980-01-01', sex: 'FEMALE' } },
        )
        .then(
          (response) => ({ response }),
          (error: unknown) => ({ error }),
        )
        .finally(() => answered++),
    );
    await eventually(async () => answered >= 10, 30_000, 5);
    await graph.stopGraph();
    const outcomes = await Promise.all(burst);

    const succeeded = outcomes.flatMap((outcome) =>
      'response' in outcome && outcome.response.data?.registerPatient ? [outcome.response.data.registerPatient.id] : [],
    );
    // A request the gateway accepted got its answer; one that came too late was refused at the door (no
    // connection), never answered with a server error.
    for (const outcome of outcomes) {
      if ('response' in outcome) {
        expect(outcome.response.errors).toBeUndefined();
        expect(outcome.response.status).toBe(200);
      } else {
        expect(String((outcome.error as Error).cause ?? outcome.error)).toMatch(
          /ECONNREFUSED|ECONNRESET|closed|other side/i,
        );
      }
    }
    expect(succeeded.length).toBeGreaterThanOrEqual(10);

    const { committed, unpublished } = await onServer(graph.db.url!, async (client) => {
      const rows = await client.query<{ id: string }>('select id from patients.patient where family_name = $1', [
        family,
      ]);
      const left = await client.query<{ count: string }>(
        'select count(*) from patients.outbox_message where published_at is null',
      );
      return { committed: rows.rows.map((row) => row.id), unpublished: Number(left.rows[0]!.count) };
    });
    expect(unpublished).toBe(0);
    expect(new Set(committed)).toEqual(new Set([...committed, ...succeeded]));

    // Every committed registration's event is on the broker.
    const kafka = new Kafka({ clientId: 'hms-test-shutdown', brokers: brokers!, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `hms-test-shutdown-${randomBytes(4).toString('hex')}` });
    const registered = new Set<string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: graph.brokerTopic('patient-events'), fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const envelope = JSON.parse(message.value!.toString('utf8')) as { type: string; aggregateId: string };
          if (envelope.type === 'PatientRegistered') registered.add(envelope.aggregateId);
        },
      });
      await eventually(async () => committed.every((id) => registered.has(id)), 30_000, 100);
    } finally {
      await consumer.disconnect();
    }
    expect(committed.filter((id) => !registered.has(id))).toEqual([]);
  }, 120_000);
});
