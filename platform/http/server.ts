/**
 * HTTP plumbing shared by the gateway and the subgraphs: liveness and readiness endpoints, the Prometheus
 * `/metrics` endpoint, listening on a port (0 picks a free one), and closing without dropping requests that are in
 * flight.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../logger.ts';

/** A named readiness check: resolves true when the dependency is usable. */
export type ReadinessCheck = () => Promise<boolean>;

/**
 * Adds `GET /health/live` (the process answers) and `GET /health/ready` (every check passes: 200 with each
 * check's result, else 503).
 */
export function mountHealthRoutes(app: Express, checks: Record<string, ReadinessCheck>): void {
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const results = Object.fromEntries(
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
      ),
    );
    const ready = Object.values(results).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
}

/** One scrape of a component's metrics: the Prometheus text exposition and its content type. */
export type MetricsScrape = () => Promise<{ contentType: string; body: string }>;

/**
 * Adds `GET /metrics` (Prometheus text format) answered by `scrape`. It asks for no token (Prometheus scrapes it
 * as it is): it shows counts and timings, never personal data, and only the monitoring system is meant to reach
 * it: subgraph ports are reachable only inside the cluster (limited further by the NetworkPolicy), and whatever
 * publishes the gateway routes `/graphql` to the outside, not `/metrics`. A scrape that fails answers 500 and is
 * logged.
 */
export function mountMetricsRoute(app: Express, scrape: MetricsScrape, logger: Logger): void {
  app.get('/metrics', async (_req, res) => {
    try {
      const { contentType, body } = await scrape();
      res.setHeader('content-type', contentType);
      res.setHeader('cache-control', 'no-store');
      res.send(body);
    } catch (error) {
      logger.error({ err: error }, 'metrics scrape failed');
      res.status(500).type('text/plain').send('metrics unavailable\n');
    }
  });
}

/** An express app with the settings every process uses. */
export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  return app;
}

/**
 * Ends an app's routes: unknown paths get a JSON 404, and errors outside GraphQL (a malformed JSON body, a body
 * over the size limit, a failing route) get a JSON error with a code: never Express's HTML page with a stack trace.
 */
export function finishApp(app: Express, logger: Logger): void {
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] });
  });
  const handler: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, _next) => {
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ err: error }, 'unexpected error outside GraphQL');
    const message =
      status === 413
        ? 'The request body is too large.'
        : status === 500
          ? 'Internal server error.'
          : 'The request is malformed.';
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
  app.use(handler);
}

export interface Listening {
  server: Server;
  /** Base URL, e.g. `http://127.0.0.1:4001`. */
  url: string;
  port: number;
  /** Stops accepting connections and waits for open requests to finish (at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Connections that may wait to be accepted. */
const LISTEN_BACKLOG = 4096;

/** Creates the HTTP server for `app` (handing it to `configure` before listening) and listens. */
export async function listen(
  app: Express,
  host: string,
  port: number,
  configure?: (server: Server) => void,
): Promise<Listening> {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  configure?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A burst of new connections (a client retrying 1,000 times at once) waits in the accept queue while the event
    // loop is busy: Node's default of 511 overflows, and the kernel answers the rest with resets. The kernel caps
    // it at net.core.somaxconn.
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
