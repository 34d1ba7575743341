/** GraphClient against a real HTTP server on loopback that answers with the gateway's rate limit. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphClient } from './client.ts';

let server: Server;
let url: string;
/** Requests the server refuses with 429 before it answers one. */
let refusalsLeft = 0;
let received = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    received++;
    if (refusalsLeft > 0) {
      refusalsLeft--;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ errors: [{ message: 'Too many requests', extensions: { code: 'RATE_LIMITED' } }] }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { ok: true } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('GraphClient and the gateway’s request budget', () => {
  it('waits the Retry-After seconds and sends again', async () => {
    refusalsLeft = 1;
    received = 0;
    const started = Date.now();
    const response = await new GraphClient(url).request('{ ok }');
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ ok: true });
    expect(received).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('returns the 429 once waiting would pass its limit, and at once with a limit of 0', async () => {
    refusalsLeft = 5;
    received = 0;
    const limited = await new GraphClient(url, undefined, { rateLimitWaitMs: 1_500 }).request('{ ok }');
    expect(limited.status).toBe(429);
    expect(limited.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(received).toBe(2);
    refusalsLeft = 1;
    received = 0;
    const signedIn = new GraphClient(url, undefined, { rateLimitWaitMs: 0 }).withToken('t');
    expect((await signedIn.request('{ ok }')).status).toBe(429);
    expect(received).toBe(1);
  });
});
