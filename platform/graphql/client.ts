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

/** A GraphQL-over-HTTP client (fetch), optionally carrying a bearer token. */
export class GraphClient {
  readonly url: string;
  readonly token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url;
    this.token = token;
  }

  /** Sends an operation; never throws for GraphQL errors (they are in `errors`). */
  async request<Data = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphResponse<Data>> {
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
      return { ...body, status: response.status };
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
    return new GraphClient(this.url, data.signIn.accessToken);
  }

  /** The same client with another token. */
  withToken(token: string | undefined): GraphClient {
    return new GraphClient(this.url, token);
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
