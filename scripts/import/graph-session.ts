/**
 * A signed-in conversation with the graph that outlives one access token. Access tokens live 15 minutes and a
 * long import can outlast one: a request answered `UNAUTHENTICATED` signs in again (once for all requests
 * that were in flight with the old token) and is retried once.
 */
import { GraphRequestError, type GraphClient } from '../../platform/graphql/client.ts';

export class GraphSession {
  #client: GraphClient;
  readonly #reauthenticate: (() => Promise<GraphClient>) | undefined;
  #renewing: Promise<GraphClient> | undefined;

  /**
   * @param client a client that is already signed in.
   * @param reauthenticate signs in again and returns a client with a fresh token; without it, an expired token
   *   fails the request like any other error.
   */
  constructor(client: GraphClient, reauthenticate?: () => Promise<GraphClient>) {
    this.#client = client;
    this.#reauthenticate = reauthenticate;
  }

  /**
   * Sends an operation (with variables, never interpolated) and returns its data.
   *
   * @throws GraphRequestError when the graph answers with errors (after at most one renewal of the token);
   *   whatever `fetch` throws when the gateway cannot be reached; the sign-in's error when renewing fails.
   */
  async data<Data>(query: string, variables: Record<string, unknown>): Promise<Data> {
    const client = this.#client;
    try {
      return await client.data<Data>(query, variables);
    } catch (error) {
      if (!(error instanceof GraphRequestError) || error.code !== 'UNAUTHENTICATED' || !this.#reauthenticate)
        throw error;
      const renewed = await this.#renew(client, this.#reauthenticate);
      return renewed.data<Data>(query, variables);
    }
  }

  /** A client with a newer token than `stale`: the current one if someone renewed already, else a new sign-in. */
  #renew(stale: GraphClient, reauthenticate: () => Promise<GraphClient>): Promise<GraphClient> {
    if (this.#client !== stale) return Promise.resolve(this.#client);
    this.#renewing ??= reauthenticate()
      .then((client) => (this.#client = client))
      .finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }
}
