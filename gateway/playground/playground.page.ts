/**
 * The playground page: GraphiQL 5 as `@graphql-yoga/render-graphiql` ships it (its JavaScript, CSS, Monaco's web
 * workers and its favicon, all inlined: nothing is fetched from a CDN, a font service or any other origin), with
 * the sign-in panel and examples menu of `playground.client.js` around it, and the Content-Security-Policy that lets
 * exactly these scripts run.
 *
 * The page is built from the package's assets (`@graphql-yoga/render-graphiql/graphiql`) rather than with its
 * `renderGraphiQL()`, whose inline script embeds the options as JSON: here the options (endpoint, examples) travel
 * in a `<script type="application/json">` data block, so both executable scripts are constant and admitted by
 * their SHA-256 hashes, computed when the page is built. The page is built once per process, on first use (the
 * bundle is 9 MB; processes that never serve it never load it).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PLAYGROUND_EXAMPLES, PLAYGROUND_ROLES } from './playground.examples.ts';
import type { Role } from '../../platform/auth/principal.ts';

export interface PlaygroundPage {
  /** The HTML document, UTF-8. */
  html: Buffer;
  /** The same, gzip-compressed (about a quarter of the size). */
  gzipped: Buffer;
  /** A strong validator of the document (quoted, as the `ETag` header carries it). */
  etag: string;
  /** The page's `Content-Security-Policy` header value. */
  contentSecurityPolicy: string;
}

export interface PlaygroundPageOptions {
  /** Where GraphiQL sends operations (HTTP) and opens its WebSocket, a path of the same origin: `/graphql`. */
  endpoint: string;
}

const ROLE_LABELS: Record<Role, string> = {
  PATIENT: 'Patient',
  DOCTOR: 'Doctor',
  RECEPTION: 'Reception',
  BILLING: 'Billing',
  ADMIN: 'Admin',
};

const WELCOME = `# HMS Supergraph playground
#
# 1. Sign in above with your email and password: every operation then carries your access token, over HTTP and
#    over the WebSocket of subscriptions. Without signing in, only public operations and the schema answer.
# 2. Pick an example for your role in "Examples", or write your own (Ctrl-Space completes, Ctrl-Enter runs).
# 3. Subscriptions stay open in their tab: trigger a change elsewhere and watch the events arrive.
#
# The schema (Docs, top left) describes every field, who may use it (SPEC §2) and the errors it answers with.

query WhoAmI {
  me {
    email
    roles
    patientId
    doctorId
  }
}
`;

/** The browser script of the page (see `playground.client.js`). */
const clientScript = (): string => readFileSync(new URL('./playground.client.js', import.meta.url), 'utf8');

/** `'sha256-…'`, a CSP source admitting an inline script or style with exactly this text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * JSON for an inline `<script>` data block or a JavaScript string literal: `<`, `>` and `&` escaped so that no
 * `</script>` or `<!--` inside can end or confuse the element; line and paragraph separators escaped for old
 * parsers.
 */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The Content-Security-Policy of the page: nothing from another origin, scripts only by hash.
 * - `style-src 'unsafe-inline'`: Monaco (the editor) and React insert `<style>` elements and `style` attributes at
 *   run time without a nonce; styles cannot run code, and `default-src`/`img-src` still keep every load local.
 * - `img-src`/`font-src data:`: GraphiQL's icons and fonts are inlined as `data:` URLs in its CSS.
 * - `worker-src blob:`: Monaco's workers start from `blob:` URLs made of code inlined in the page.
 * - `connect-src 'self'`: `/graphql` over HTTP and WebSocket on this origin only (CSP 3 `'self'` matches `ws:` and
 *   `wss:` of the page's host and port).
 */
export function playgroundContentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src ${scriptHashes.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    'worker-src blob:',
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Builds the page (see the module's description). */
export async function buildPlaygroundPage(options: PlaygroundPageOptions): Promise<PlaygroundPage> {
  const assets = await import('@graphql-yoga/render-graphiql/graphiql');
  // As `renderGraphiQL` does: Monaco finds its workers through `MonacoEnvironment`, started from the inlined code.
  const bundleScript = `
function prepareBlob(workerContent) {
  return URL.createObjectURL(new Blob([workerContent], { type: 'application/javascript' }));
}
const workers = {
  editorWorkerService: prepareBlob(${inlineJson(assets.editorWorkerService)}),
  json: prepareBlob(${inlineJson(assets.jsonWorker)}),
  graphql: prepareBlob(${inlineJson(assets.graphqlWorker)}),
};
self['MonacoEnvironment'] = {
  globalAPI: false,
  getWorkerUrl: function (moduleId, label) {
    return workers[label];
  },
};
${assets.js};
`;
  const client = clientScript();
  const config = {
    endpoint: options.endpoint,
    roles: PLAYGROUND_ROLES.map((role) => ({ role, label: ROLE_LABELS[role] })),
    examples: PLAYGROUND_EXAMPLES,
    graphiql: {
      title: 'HMS Supergraph',
      subscriptionsProtocol: 'WS',
      defaultQuery: WELCOME,
      // The headers editor is for the session only: nothing typed there (a token pasted by hand) is stored.
      shouldPersistHeaders: false,
      schemaDescription: true,
      inputValueDeprecation: true,
    },
  };
  const title = 'HMS Supergraph · GraphiQL';
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${escapeHtml(title)}</title>
    <link rel="icon" href="${escapeHtml(assets.favicon)}" />
    <style>
${assets.css}
    </style>
    <style>
      html, body { height: 100%; margin: 0; }
      body { display: flex; flex-direction: column; }
      #hms-session-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; padding: 0.5rem 1rem;
        font: 14px system-ui, sans-serif; border-bottom: 1px solid #d6d6d6; background: #f7f7f9; color: #1b2240; }
      #hms-session-bar form, #hms-signed-in { display: flex; align-items: center; gap: 0.5rem; margin: 0; }
      #hms-session-bar [hidden] { display: none; }
      #hms-session-bar input, #hms-session-bar select, #hms-session-bar button { font: inherit; padding: 0.2rem 0.4rem; }
      #hms-session-status { margin: 0; color: #555; }
      #hms-session-status.hms-error { color: #b00020; }
      #root { flex: 1; min-height: 0; }
    </style>
  </head>
  <body class="no-focus-outline">
    <noscript>The playground needs JavaScript.</noscript>
    <header id="hms-session-bar">
      <strong>HMS Supergraph</strong>
      <form id="hms-sign-in" method="post" autocomplete="on" aria-label="Sign in">
        <input name="email" type="email" autocomplete="username" placeholder="Email" required aria-label="Email" />
        <input name="password" type="password" autocomplete="current-password" placeholder="Password" required
          aria-label="Password" />
        <button type="submit">Sign in</button>
      </form>
      <div id="hms-signed-in" hidden>
        <span>Signed in as <span id="hms-user"></span></span>
        <button id="hms-sign-out" type="button">Sign out</button>
      </div>
      <label>Examples
        <select id="hms-examples" aria-label="Examples"><option value="">Open an example…</option></select>
      </label>
      <p id="hms-session-status" role="status" aria-live="polite"></p>
    </header>
    <div id="root"></div>
    <script type="application/json" id="hms-playground-config">${inlineJson(config)}</script>
    <script>${bundleScript}</script>
    <script>${client}</script>
  </body>
</html>
`;
  const buffer = Buffer.from(html, 'utf8');
  return {
    html: buffer,
    gzipped: await promisify(gzip)(buffer),
    etag: `"${createHash('sha256').update(buffer).digest('base64url').slice(0, 32)}"`,
    contentSecurityPolicy: playgroundContentSecurityPolicy([cspHash(bundleScript), cspHash(client)]),
  };
}
