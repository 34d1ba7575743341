/**
 * The playground's HTTP routes on the gateway (see `README.md` beside this file):
 * - `GET /playground`: the page (`playground.page.ts`) under its own Content-Security-Policy, gzip-compressed when
 *   the browser accepts it, revalidated with its `ETag`.
 * - `GET /graphql` from a browser (one that prefers `text/html`, as a typed-in address does) is redirected there,
 *   its `query` parameter kept so that GraphiQL opens it. GraphQL clients ask for JSON and never see the redirect:
 *   their GET and POST requests reach Apollo Server as before, CSRF prevention included.
 *
 * When the playground is off, nothing is mounted: `/playground` is the gateway's JSON 404.
 */
import type { Express, Request } from 'express';
import type { Logger } from '../../platform/logger.ts';
import { buildPlaygroundPage, type PlaygroundPage } from './playground.page.ts';

/** Where the playground is served. */
export const PLAYGROUND_PATH = '/playground';

export interface PlaygroundRouteOptions {
  /** Serve the playground (development default; `HMS_GATEWAY_PLAYGROUND`, see `playground.config.ts`). */
  enabled: boolean;
  /** The gateway's GraphQL path, `/graphql`: where the page sends operations and browsers are redirected from. */
  graphqlPath: string;
  logger: Logger;
}

/** True for a browser navigating to the address: it prefers an HTML page to any GraphQL response type. */
function wantsHtml(req: Request): boolean {
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

/** Mounts the routes on `app` (before the GraphQL endpoint, so that the redirect sees browsers first). */
export function mountPlayground(app: Express, options: PlaygroundRouteOptions): void {
  if (!options.enabled) return;
  const log = options.logger.child({ component: 'playground' });
  let page: Promise<PlaygroundPage> | undefined;
  const loadPage = (): Promise<PlaygroundPage> => {
    page ??= buildPlaygroundPage({ endpoint: options.graphqlPath }).catch((error: unknown) => {
      page = undefined;
      throw error;
    });
    return page;
  };

  app.get(PLAYGROUND_PATH, async (req, res, next) => {
    let built: PlaygroundPage;
    try {
      built = await loadPage();
    } catch (error) {
      log.error({ err: error }, 'the playground page could not be built');
      next(error);
      return;
    }
    res.set({
      'Content-Security-Policy': built.contentSecurityPolicy,
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      ETag: built.etag,
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    if (gzip) res.set('Content-Encoding', 'gzip');
    res.send(gzip ? built.gzipped : built.html);
  });

  app.get(options.graphqlPath, (req, res, next) => {
    if (!wantsHtml(req)) {
      next();
      return;
    }
    const query = typeof req.query.query === 'string' ? req.query.query : undefined;
    res.redirect(303, query ? `${PLAYGROUND_PATH}?${new URLSearchParams({ query })}` : PLAYGROUND_PATH);
  });
}
