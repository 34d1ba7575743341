/**
 * Counts what one gateway request costs: the HTTP requests the gateway sends to each subgraph and the SQL statements
 * each subgraph runs for them. For the tests and the benchmark that hold a page's cost constant whatever its size
 * (issue 10, "Performance"); counted, not timed.
 *
 * How it attributes work to a request, without touching the gateway or the subgraph servers:
 * - the client sends its request with its own `x-correlation-id`; the gateway forwards that header on every subgraph
 *   request it makes for it (`gateway/subgraph-data-source.ts`);
 * - Node's `http.server.request.start` diagnostics channel reports every request a server of the process receives,
 *   synchronously, before Express sees it: a `POST /graphql` to a subgraph's port carrying a watched correlation id
 *   counts as one subgraph request, and its handling runs in an `AsyncLocalStorage` store naming the request;
 * - each subgraph's ORM reports its statements (`observeStatements`, `platform/db/orm.ts`) in the async context of
 *   the code that sends them, which the store ties back to the request (DataLoader batches included: they run in the
 *   context of the first `load`).
 * Work a request only sets off (the outbox relay publishing its access events, consumers) runs in its own context
 * and is not counted. The graph must run in this process (`startGraph`, `startTestGraph`).
 */
import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { observeStatements } from '../db/orm.ts';
import type { Subgraph } from '../subgraph.ts';

/** What one request cost, by subgraph name; subgraphs it did not reach are absent. */
export interface RequestCounts {
  /** `POST /graphql` requests the gateway sent to each subgraph. */
  subgraphRequests: Record<string, number>;
  /** SQL statements each subgraph ran while answering them (transaction statements included). */
  sqlStatements: Record<string, number>;
}

/** The sum of a count over every subgraph. */
export const total = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((sum, count) => sum + count, 0);

/** The running graph as the counter needs it: its subgraphs (their ORMs) and where each listens. */
export interface CountedGraph {
  subgraphs: readonly Subgraph[];
  /** Each subgraph's GraphQL endpoint by name, e.g. `http://127.0.0.1:40123/graphql`. */
  subgraphUrls: Record<string, string>;
}

interface RequestScope {
  subgraph: string;
  counts: RequestCounts;
}

const CORRELATION_ID_HEADER = 'x-correlation-id';

/**
 * Counts per gateway request while attached. Requests may run concurrently: each is counted under its own
 * correlation id. Call `detach()` when done (the ORM hooks then only check an empty set).
 */
export class QueryCounter {
  readonly #scope = new AsyncLocalStorage<RequestScope | undefined>();
  readonly #watched = new Map<string, RequestCounts>();
  readonly #subgraphByPort: Map<number, string>;
  readonly #stopObserving: (() => void)[];
  readonly #onRequest: (message: unknown) => void;

  private constructor(graph: CountedGraph) {
    this.#subgraphByPort = new Map(
      Object.entries(graph.subgraphUrls).map(([name, url]) => [Number(new URL(url).port), name]),
    );
    this.#onRequest = (message) => this.#requestStarted(message as { request: IncomingMessage; server: Server });
    diagnosticsChannel.subscribe('http.server.request.start', this.#onRequest);
    this.#stopObserving = graph.subgraphs.map((subgraph) =>
      observeStatements(subgraph.runtime.orm, () => {
        const scope = this.#scope.getStore();
        if (scope) scope.counts.sqlStatements[scope.subgraph] = (scope.counts.sqlStatements[scope.subgraph] ?? 0) + 1;
      }),
    );
  }

  /** Starts counting on a running in-process graph. */
  static attach(graph: CountedGraph): QueryCounter {
    return new QueryCounter(graph);
  }

  /**
   * Runs `send` (which must send exactly one gateway request carrying `headers`) and returns its result with what
   * that request cost. The counts are final when the gateway has answered: subgraphs answer before it does.
   */
  async count<Result>(
    send: (headers: Record<string, string>) => Promise<Result>,
  ): Promise<{ result: Result; counts: RequestCounts }> {
    const correlationId = `count-${randomUUID()}`;
    const counts: RequestCounts = { subgraphRequests: {}, sqlStatements: {} };
    this.#watched.set(correlationId, counts);
    try {
      const result = await send({ [CORRELATION_ID_HEADER]: correlationId });
      return { result, counts };
    } finally {
      this.#watched.delete(correlationId);
    }
  }

  /** Stops counting. */
  detach(): void {
    diagnosticsChannel.unsubscribe('http.server.request.start', this.#onRequest);
    for (const stop of this.#stopObserving) stop();
  }

  #requestStarted({ request, server }: { request: IncomingMessage; server: Server }): void {
    const subgraph = this.#subgraphByPort.get((server.address() as AddressInfo | null)?.port ?? -1);
    if (!subgraph) return;
    const correlationId = request.headers[CORRELATION_ID_HEADER];
    const counts =
      request.method === 'POST' && request.url?.startsWith('/graphql') && typeof correlationId === 'string'
        ? this.#watched.get(correlationId)
        : undefined;
    // Always set (or clear) the store: the rest of this request's handling runs in it, and a request on a kept-alive
    // socket must not inherit the store of the one before.
    this.#scope.enterWith(counts ? { subgraph, counts } : undefined);
    if (counts) counts.subgraphRequests[subgraph] = (counts.subgraphRequests[subgraph] ?? 0) + 1;
  }
}
