/**
 * Hive Gateway (`@graphql-hive/gateway`, installed by `hive.ts` outside the project's dependencies) in a process of its
 * own, serving the committed `schema/supergraph.graphql` in front of the same subgraphs as our gateway, doing the
 * same work per request as ours:
 *
 * - the client's ES256 access token is verified against identity's JWKS (Hive's own `useJWT` plugin: `kid` lookup in
 *   the JWKS through jwks-rsa with its cache, algorithm pinned to ES256, `iss`, `aud` and `exp` checked);
 * - every subgraph request carries an internal token signed exactly as ours signs it (`signInternalToken`: HS256,
 *   60 s, the principal from the verified claims, the request's correlation id) in an `onFetch` hook, with the
 *   correlation id header.
 *
 * Like ours, it records the requests it sends to subgraphs between `capture-start` and `capture-stop` (the bench
 * compares how many each gateway sends for the same query mix).
 *
 * What ours does that this does not: the revocation check (an in-memory lookup), our client-schema filtering and
 * request log line. Configuration comes from the environment the bench forks it with (`HIVE_*`, below).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ACCESS_TOKEN_ALGORITHM, principalFromClaims } from '../../platform/auth/access-token.ts';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../platform/auth/internal-token.ts';
import { SUPERGRAPH_PATH } from '../../schema/catalog.ts';
import { serveJobs } from './child.ts';
import type { GatewayJob, SubgraphFetch } from './gateway-process.ts';
import { meterJobs } from './usage.ts';

/** What the bench passes in the environment. */
interface HiveSettings {
  dir: string;
  subgraphUrls: Record<string, string>;
  jwksUrl: string;
  issuer: string;
  audience: string;
  internalTokenSecret: string;
}

// Hive Gateway is loaded at run time from its cache folder: the little of its API used here, typed.
interface HiveModule {
  createGatewayRuntime(config: Record<string, unknown>): ((...args: unknown[]) => unknown) & {
    dispose(): Promise<void>;
  };
  useJWT(options: Record<string, unknown>): unknown;
  createRemoteJwksSigningKeyProvider(options: { jwksUri: string }): unknown;
  extractFromHeader(options: { name: string; prefix: string }): unknown;
}
interface FetchPayload {
  url: string;
  options: { headers?: Record<string, string>; body?: unknown };
  setOptions(options: Record<string, unknown>): void;
  context?: { jwt?: { payload?: unknown } };
}

let server: Server | undefined;
/** Subgraph requests recorded between `capture-start` and `capture-stop`. */
let captured: SubgraphFetch[] | undefined;
let runtime: { dispose(): Promise<void> } | undefined;
const meter = meterJobs();

async function start(settings: HiveSettings): Promise<{ url: string }> {
  const require = createRequire(join(settings.dir, 'package.json'));
  const hive = (await import(pathToFileURL(require.resolve('@graphql-hive/gateway')).href)) as HiveModule;
  // One correlation id per client request, shared by its subgraph requests (as ours does).
  const correlationIds = new WeakMap<object, string>();
  const internalTokenPlugin = {
    onFetch(payload: FetchPayload) {
      const context = payload.context ?? {};
      let correlationId = correlationIds.get(context);
      if (!correlationId) {
        correlationId = randomUUID();
        correlationIds.set(context, correlationId);
      }
      const principal = context.jwt?.payload ? principalFromClaims(context.jwt.payload) : null;
      if (captured && typeof payload.options.body === 'string') {
        captured.push({ url: payload.url, body: JSON.parse(payload.options.body) as SubgraphFetch['body'] });
      }
      payload.setOptions({
        ...payload.options,
        headers: {
          ...payload.options.headers,
          [INTERNAL_TOKEN_HEADER]: signInternalToken(settings.internalTokenSecret, { principal, correlationId }),
          'x-correlation-id': correlationId,
        },
      });
    },
  };
  const gateway = hive.createGatewayRuntime({
    supergraph: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    transportEntries: Object.fromEntries(
      Object.entries(settings.subgraphUrls).map(([name, url]) => [name, { location: url }]),
    ),
    logging: 'error',
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    plugins: () => [
      hive.useJWT({
        signingKeyProviders: [hive.createRemoteJwksSigningKeyProvider({ jwksUri: settings.jwksUrl })],
        tokenLookupLocations: [hive.extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
        tokenVerification: {
          algorithms: [ACCESS_TOKEN_ALGORITHM],
          issuer: settings.issuer,
          audience: settings.audience,
        },
        reject: { missingToken: false, invalidToken: true },
      }),
      internalTokenPlugin,
    ],
  });
  runtime = gateway;
  server = createServer(gateway as unknown as Parameters<typeof createServer>[0]);
  // As our servers (platform/http/server.ts): a burst of new connections must not overflow the accept queue.
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('Hive Gateway is not listening on a TCP port');
  return { url: `http://127.0.0.1:${address.port}/graphql` };
}

serveJobs<GatewayJob>(
  async (job) => {
    const metered = meter(job);
    if (metered) return metered;
    switch (job.kind) {
      case 'start':
        return start(JSON.parse(process.env.HMS_BENCH_HIVE_SETTINGS ?? '{}') as HiveSettings);
      case 'status':
        return { connections: 0, subscriptions: 0 };
      case 'capture-start':
        captured = [];
        return null;
      case 'capture-stop': {
        const fetches = captured ?? [];
        captured = undefined;
        return fetches;
      }
      default:
        throw new Error(`unknown job ${job.kind}`);
    }
  },
  async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await runtime?.dispose();
  },
);
