/**
 * A real `graphql-ws` client for tests and benchmarks: connects to the gateway's WebSocket endpoint with an access
 * token in `connection_init`, as a browser client would, and collects what each subscription receives.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** One message a subscription received (`next`), and when it arrived (`performance.now()`, ms). */
export interface LiveMessage<Data> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
  receivedAt: number;
}

/** Everything one subscription has received so far. */
export class LiveFeed<Data = Record<string, any>> {
  readonly messages: LiveMessage<Data>[] = [];
  /** Set when the server ended the subscription with an `error` message. */
  error: unknown;
  completed = false;
  readonly #waiters = new Set<() => void>();
  #unsubscribe: () => void = () => {};

  /** @internal */
  attach(unsubscribe: () => void): void {
    this.#unsubscribe = unsubscribe;
  }

  /** @internal */
  push(message: LiveMessage<Data>): void {
    this.messages.push(message);
    this.#notify();
  }

  /** @internal */
  end(error?: unknown): void {
    if (error !== undefined) this.error = error;
    this.completed = true;
    this.#notify();
  }

  /**
   * Resolves with the first message matching `predicate` (already received or still to come).
   *
   * @throws Error when none arrives within `timeoutMs`, or the subscription ends first.
   */
  async until(predicate: (message: LiveMessage<Data>) => boolean, timeoutMs = 15_000): Promise<LiveMessage<Data>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.completed) throw new Error(`the subscription ended first: ${JSON.stringify(this.error ?? null)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiters = this.#waiters;
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  /** Resolves once the subscription has ended (completed or ended with an error). */
  async ended(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.completed) {
      if (Date.now() > deadline) throw new Error(`the subscription did not end within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Ends the subscription from the client's side. */
  unsubscribe(): void {
    this.#unsubscribe();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

export interface LiveClient {
  readonly client: Client;
  /** Subscribes; the feed starts collecting at once. */
  subscribe<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>): LiveFeed<Data>;
  /** Resolves with the close code once the server (or `dispose`) closed the socket. */
  readonly closed: Promise<number>;
  /** Resolves once the server acknowledged `connection_init`; rejects when the socket closed first. */
  readonly connected: Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Connects to `httpUrl`'s WebSocket twin (`http://host/graphql` → `ws://host/graphql`) with `token` (none: no
 * `authorization` in `connection_init`). Never reconnects: a test wants to see each close.
 */
export function connectLive(httpUrl: string, token: string | undefined): LiveClient {
  let closedWith: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    closedWith = resolve;
  });
  let acknowledged: () => void = () => {};
  let refused: (error: Error) => void = () => {};
  const connected = new Promise<void>((resolve, reject) => {
    acknowledged = resolve;
    refused = reject;
  });
  connected.catch(() => {});
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: false,
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      connected: () => acknowledged(),
      closed: (event) => {
        const code = (event as { code?: number }).code ?? 0;
        refused(new Error(`closed with ${code}`));
        closedWith(code);
      },
    },
  });
  return {
    client,
    closed,
    connected,
    subscribe<Data>(query: string, variables: Record<string, unknown> = {}) {
      const feed = new LiveFeed<Data>();
      feed.attach(
        client.subscribe<Data>(
          { query, variables },
          {
            next: (result) =>
              feed.push({
                ...(result.data !== undefined ? { data: result.data as Data | null } : {}),
                ...(result.errors ? { errors: result.errors as LiveMessage<Data>['errors'] } : {}),
                receivedAt: performance.now(),
              }),
            error: (error) => feed.end(error instanceof Error ? error.message : error),
            complete: () => feed.end(),
          },
        ),
      );
      return feed;
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}
