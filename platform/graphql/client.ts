/**
 * A small GraphQL-over-HTTP client (fetch) for tools and tests that talk to the gateway as a real client does:
 * the importer, the end-to-end tests, the benchmarks.
 */

/** One GraphQL response as the client sees it. */
export interface GraphResponse<Data = Record<string, unknown>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
  status: number;
}

export interface GraphClientOptions {
  /**
   * How long one request may wait in all for the gateway's request budget (HTTP 429 `RATE_LIMITED`), sleeping the
   * `Retry-After` seconds it names before sending again; 0 returns the 429 at once. Default 120,000 ms.
   */
  rateLimitWaitMs?: number;
}

/** A GraphQL-over-HTTP client (fetch), optionally carrying a bearer token. */
export class GraphClient {
  readonly url: string;
  readonly token: string | undefined;
  readonly #options: GraphClientOptions;

  constructor(url: string, token?: string, options: GraphClientOptions = {}) {
    this.url = url;
    this.token = token;
    this.#options = options;
  }

  /**
   * Sends an operation; never throws for GraphQL errors (they are in `errors`). A request over the caller's budget
   * is sent again once the gateway's `Retry-After` has passed, within `rateLimitWaitMs`.
   */
  async request<Data = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphResponse<Data>> {
    let waitLeftMs = this.#options.rateLimitWaitMs ?? 120_000;
    for (;;) {
      const response = await this.#send<Data>(query, variables, headers);
      const retryAfterMs = Number(response.retryAfter ?? NaN) * 1000;
      if (response.status !== 429 || !(retryAfterMs > 0) || retryAfterMs > waitLeftMs) {
        const { retryAfter: _retryAfter, ...answer } = response;
        return answer;
      }
      waitLeftMs -= retryAfterMs;
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    }
  }

  async #send<Data>(
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string>,
  ): Promise<GraphResponse<Data> & { retryAfter?: string | null }> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    try {
      const body = JSON.parse(text) as Omit<GraphResponse<Data>, 'status'>;
      return { ...body, status: response.status, retryAfter: response.headers.get('retry-after') };
    } catch {
      // Not a GraphQL response (a proxy's error page, say): report it as one error with the HTTP status.
      return {
        status: response.status,
        errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 200)}`, extensions: { code: 'BAD_RESPONSE' } }],
      };
    }
  }

  /** Sends an operation and returns its data. @throws GraphRequestError carrying the GraphQL errors, if any. */
  async data<Data = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
    const response = await this.request<Data>(query, variables);
    if (response.errors?.length || !response.data) {
      throw new GraphRequestError(response);
    }
    return response.data;
  }

  /** Signs in and returns a client carrying the access token. */
  async signIn(email: string, password: string): Promise<GraphClient> {
    const data = await this.data<{ signIn: { accessToken: string } }>(
      'mutation SignIn($input: SignInInput!) { signIn(input: $input) { accessToken } }',
      { input: { email, password } },
    );
    return new GraphClient(this.url, data.signIn.accessToken, this.#options);
  }

  /** The same client with another token. */
  withToken(token: string | undefined): GraphClient {
    return new GraphClient(this.url, token, this.#options);
  }
}

/** An operation answered with errors; `code` is the first error's `extensions.code`. */
export class GraphRequestError extends Error {
  readonly response: GraphResponse<unknown>;
  readonly code: string | undefined;

  constructor(response: GraphResponse<unknown>) {
    super(
      response.errors?.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; ') ??
        `HTTP ${response.status}`,
    );
    this.name = 'GraphRequestError';
    this.response = response;
    this.code = response.errors?.[0]?.extensions?.code;
  }
}
