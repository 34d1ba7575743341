/**
 * Hostile and runaway requests against the gateway (issue 9): each is refused with its own code, and no subgraph
 * receives anything for it — the gateway resolves every field of the client schema by asking a subgraph, so a
 * request that reaches no subgraph ran no resolver. Subgraph requests are counted where they arrive, on the
 * subgraphs' HTTP servers (Node's `http.server.request.start` diagnostics channel).
 */
import { createHash } from 'node:crypto';
import { subscribe as subscribeToChannel, unsubscribe as unsubscribeFromChannel } from 'node:diagnostics_channel';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Gateway, GatewayProtection } from '../../gateway/gateway.ts';
import { readTrustedDocuments } from '../../gateway/trusted-documents.ts';
import type { EventTransport } from '../../platform/events/transport.ts';
import { createTransport } from '../../platform/process.ts';
import { GraphClient, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { aPatient } from '../builders.ts';

let graph: TestGraph;
let admin: GraphClient;
/** Requests the subgraphs received, by subgraph port. */
const received = new Map<number, number>();
let subgraphPorts: Set<number>;
const onRequest = (message: unknown) => {
  const { server } = message as { request: IncomingMessage; server: Server };
  const port = (server.address() as AddressInfo | null)?.port;
  if (port !== undefined && subgraphPorts.has(port)) received.set(port, (received.get(port) ?? 0) + 1);
};
const subgraphRequests = () => [...received.values()].reduce((sum, count) => sum + count, 0);

/** Posts a raw body to `url` and returns the status, headers and parsed JSON. */
async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as any };
}

/** Sends `query` and checks it was refused with `code` (HTTP 400) before any subgraph saw anything. */
async function expectRefused(
  client: GraphClient,
  query: string,
  code: string,
  variables: Record<string, unknown> = {},
): Promise<string> {
  const before = subgraphRequests();
  const response = await client.request(query, variables);
  expect(response.status).toBe(400);
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.map((error) => error.extensions?.code)).toContain(code);
  expect(subgraphRequests()).toBe(before);
  return response.errors!.find((error) => error.extensions?.code === code)!.message;
}

/** Writes an Apollo persisted query manifest of `operations` to a temporary file and returns its path. */
function writeManifest(operations: { id: string; name: string; type?: string; body: string }[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hms-trusted-')), 'manifest.json');
  writeFileSync(path, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  return path;
}

/** `patients → appointments → patient → appointments …`, `levels` connections deep, `first` each. */
function nestedPatients(levels: number, first: number): string {
  let inner = 'id';
  for (let level = 0; level < levels; level++) {
    inner = `id patient { id appointments(first: ${first}) { edges { node { ${inner} } } } }`;
  }
  return `{ patients(first: ${first}) { edges { node { id appointments(first: ${first}) { edges { node { ${inner} } } } } } } }`;
}

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
  subgraphPorts = new Set(Object.values(graph.subgraphUrls).map((url) => Number(new URL(url).port)));
  subscribeToChannel('http.server.request.start', onRequest);
}, 120_000);

afterAll(async () => {
  unsubscribeFromChannel('http.server.request.start', onRequest);
  await graph?.stop();
});

describe('hostile documents are refused before any resolver runs', () => {
  it('counts what reaches the subgraphs (an ordinary query does reach them)', async () => {
    const before = subgraphRequests();
    const response = await admin.request('{ patients(first: 1) { totalCount } }');
    expect(response.errors).toBeUndefined();
    expect(subgraphRequests()).toBeGreaterThan(before);
  });

  it('deep nesting: QUERY_TOO_DEEP', async () => {
    const message = await expectRefused(admin, nestedPatients(4, 1), 'QUERY_TOO_DEEP');
    expect(message).toMatch(/depth/i);
  });

  it('1,000 aliases: TOO_MANY_ALIASES', async () => {
    const aliases = Array.from({ length: 1000 }, (_, index) => `a${index}: __typename`).join(' ');
    await expectRefused(admin, `{ ${aliases} }`, 'TOO_MANY_ALIASES');
  });

  it('500 directives: TOO_MANY_DIRECTIVES', async () => {
    const directives = Array.from({ length: 500 }, () => '@include(if: true)').join(' ');
    await expectRefused(admin, `{ __typename ${directives} }`, 'TOO_MANY_DIRECTIVES');
  });

  it('a document of 10,000 operations: QUERY_TOO_LARGE, without parsing it', async () => {
    const operations = Array.from({ length: 10_000 }, (_, index) => `query q${index} { __typename }`).join('\n');
    const message = await expectRefused(admin, operations, 'QUERY_TOO_LARGE');
    expect(message).toMatch(/5000 tokens/);
  });

  it('a batch of 1,000 operations in one body: refused with BAD_REQUEST', async () => {
    const before = subgraphRequests();
    const batch = JSON.stringify(Array.from({ length: 1000 }, () => ({ query: '{ patients { totalCount } }' })));
    const response = await post(graph.url, batch, { authorization: `Bearer ${admin.token}` });
    expect(response.status).toBe(400);
    expect(response.json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(subgraphRequests()).toBe(before);
  });

  it('an oversize body (2 MB): 413 PAYLOAD_TOO_LARGE', async () => {
    const before = subgraphRequests();
    const body = JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(2 * 1024 * 1024) } });
    const response = await post(graph.url, body);
    expect(response.status).toBe(413);
    expect(response.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(subgraphRequests()).toBe(before);
  });

  it('costly lists: QUERY_TOO_COMPLEX, counted with the variables', async () => {
    // Within the depth limit, but 100 × 100 × 100 × 100 patients' appointments could come back.
    await expectRefused(admin, nestedPatients(2, 100), 'QUERY_TOO_COMPLEX');
    const byVariable = `query($n: Int) { patients(first: $n) { edges { node { id
      appointments(first: $n) { edges { node { id patient { id appointments(first: $n) { edges { node { id } } } } } } } } } } }`;
    const message = await expectRefused(admin, byVariable, 'QUERY_TOO_COMPLEX', { n: 100 });
    expect(message).toMatch(/about \d+ objects, more than the limit of 100000/);
    // The same document with small pages is fine.
    const small = await admin.request(byVariable, { n: 5 });
    expect(small.errors).toBeUndefined();
  });

  it('a page of 100 patients with appointments, doctors, departments, bills and payments is allowed', async () => {
    await aPatient(admin);
    const response = await admin.request(`{ patients(first: 100) { totalCount edges { node { id mrn
      appointments(first: 20) { edges { node { id startsAt doctor { displayName department { name } }
        bill { id total { amount } payments { id amount { amount } } } } } }
      bills(first: 20) { edges { node { id status payments { id status } } } } } } } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data!.patients.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('over the WebSocket too: a costly subscription document is refused and nothing runs', async () => {
    const before = subgraphRequests();
    const wsUrl = graph.url.replace(/^http/, 'ws');
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${admin.token}` },
      retryAttempts: 0,
    });
    try {
      // One subscription field, within the depth limit, whose payload could hold 100 × 100 × 100 appointments.
      const costly = `subscription { appointmentUpdated { appointment { patient { appointments(first: 100) {
        edges { node { patient { appointments(first: 100) { edges { node { patient {
          appointments(first: 100) { edges { node { id } } } } } } } } } } } } } } }`;
      const errors = await new Promise<readonly { extensions?: { code?: string } }[]>((resolve, reject) => {
        client.subscribe(
          { query: costly },
          {
            next: () => reject(new Error('a result arrived')),
            error: (error) => resolve(error as never),
            complete: () => reject(new Error('completed')),
          },
        );
      });
      expect(errors.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(subgraphRequests()).toBe(before);
    } finally {
      await client.dispose();
    }
  });
});

describe('a gateway configured for production, with budgets and a safelist', () => {
  let transport: EventTransport;
  const replicas: Gateway[] = [];

  /** Another gateway in front of the same subgraphs with `protection`, and a client of it. */
  async function replica(protection: Partial<GatewayProtection>): Promise<GraphClient> {
    const gateway = graph.gatewayReplica(transport, protection);
    replicas.push(gateway);
    const listening = await gateway.start('127.0.0.1', 0);
    // Answers 429 at once instead of waiting for the budget (what the importer's client does).
    return new GraphClient(`${listening.url}/graphql`, undefined, { rateLimitWaitMs: 0 });
  }

  beforeAll(async () => {
    transport =
      graph.transport.kind === 'kafka' ? createTransport(graph.env, graph.logger, 'gateway-safety') : graph.transport;
    if (transport !== graph.transport) await transport.start();
  });
  afterAll(async () => {
    for (const gateway of replicas) await gateway.stop();
    if (transport && transport !== graph.transport) await transport.stop();
  });

  it('answers no introspection and suggests no field names', async () => {
    const client = (await replica({ introspection: false })).withToken(admin.token);
    const introspection = await client.request('{ __schema { types { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await client.request('{ patientz(first: 1) { totalCount } }');
    expect(typo.status).toBe(400);
    expect(typo.errors?.[0]?.message).not.toMatch(/did you mean/i);
    // The development default does suggest (so the check above is not vacuous).
    const suggested = await admin.request('{ patientz(first: 1) { totalCount } }');
    expect(suggested.errors?.[0]?.message).toMatch(/did you mean .*"patients"/i);
  });

  it('limits each user and each anonymous address to their budget, with Retry-After', async () => {
    const client = await replica({ rateLimits: { perUserPerMinute: 5, anonymousPerMinute: 3 } });
    const signedIn = client.withToken(admin.token);
    for (let index = 0; index < 5; index++) expect((await signedIn.request('{ me { id } }')).errors).toBeUndefined();
    const before = subgraphRequests();
    const over = await fetch(client.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await over.json()) as { errors: { extensions: { code: string } }[]; data?: unknown };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect(body.data ?? null).toBeNull();
    expect(subgraphRequests()).toBe(before);
    // Anonymous callers have a budget of their own.
    for (let index = 0; index < 3; index++) expect((await client.request('{ __typename }')).status).toBe(200);
    expect((await client.request('{ __typename }')).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('runs only trusted documents when a manifest is configured', async () => {
    const listed = 'query Me { me { id email } }';
    const id = createHash('sha256').update(listed).digest('hex');
    const path = writeManifest([{ id, name: 'Me', type: 'query', body: listed }]);
    const client = (await replica({ trustedDocuments: readTrustedDocuments(path) })).withToken(admin.token);
    const headers = { authorization: `Bearer ${admin.token}` };
    const byId = await post(client.url, JSON.stringify({ documentId: `sha256:${id}` }), headers);
    expect(byId.json.errors).toBeUndefined();
    expect(byId.json.data.me.email).toBeDefined();
    const byApolloHash = await post(
      client.url,
      JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
      headers,
    );
    expect(byApolloHash.json.data.me.id).toBe(byId.json.data.me.id);
    expect((await client.request(listed)).data?.me).toBeDefined();

    const before = subgraphRequests();
    const unknownId = await post(client.url, JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }), headers);
    expect(unknownId.status).toBe(400);
    expect(unknownId.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const unlisted = await client.request('{ me { id } }');
    expect(unlisted.status).toBe(400);
    expect(unlisted.errors?.[0]?.extensions?.code).toBe('QUERY_NOT_IN_SAFELIST');
    expect(subgraphRequests()).toBe(before);
  });

  it('refuses a manifest whose id is not its body’s hash', () => {
    const path = writeManifest([{ id: '1'.repeat(64), name: 'Me', body: '{ me { id } }' }]);
    expect(() => readTrustedDocuments(path)).toThrow(/has an id not its body's/);
  });
});
