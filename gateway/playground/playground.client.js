/*
 * The playground's own script, run in the browser after GraphiQL's bundle (which defines `YogaGraphiQL`): the
 * sign-in panel, the examples menu, and GraphiQL itself with the signed-in user's access token on every request
 * (`Authorization: Bearer …`) and in every WebSocket `connection_init` (`{ authorization: "Bearer …" }`).
 *
 * The session (access token, refresh token, who signed in) lives in this tab's sessionStorage only: it survives
 * opening an example (a navigation) but not the tab, and never reaches localStorage or a URL. The access token is
 * renewed a minute before it expires with the refresh token; signing out ends the session at identity too.
 *
 * Served inline under a Content-Security-Policy that admits this exact text by its hash: no inline handlers, no
 * eval. Plain ES2020, not compiled.
 */
(() => {
  'use strict';

  const config = JSON.parse(document.getElementById('hms-playground-config').textContent);
  const SESSION_KEY = 'hms.playground.session';
  /** Renew the access token this long before it expires. */
  const RENEW_BEFORE_MS = 60_000;

  const SIGN_IN = `mutation PlaygroundSignIn($input: SignInInput!) {
    signIn(input: $input) { accessToken expiresAt refreshToken user { email roles } }
  }`;
  const REFRESH = `mutation PlaygroundRefresh($token: String!) {
    refreshToken(token: $token) { accessToken expiresAt refreshToken user { email roles } }
  }`;
  const SIGN_OUT = 'mutation PlaygroundSignOut { signOut }';

  const element = (id) => document.getElementById(id);
  const signInForm = element('hms-sign-in');
  const signedIn = element('hms-signed-in');
  const userLabel = element('hms-user');
  const signOutButton = element('hms-sign-out');
  const status = element('hms-session-status');
  const examples = element('hms-examples');

  let session = restore();
  let renewal;

  /** The stored session, unless it is missing, malformed or expired. */
  function restore() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
      if (stored && typeof stored.accessToken === 'string' && Date.parse(stored.expiresAt) > Date.now()) {
        return stored;
      }
    } catch {
      // A malformed entry is dropped below.
    }
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }

  function show(message, isError) {
    status.textContent = message;
    status.classList.toggle('hms-error', Boolean(isError));
  }

  /** Stores `next` (or forgets the session), updates the panel and schedules the renewal. */
  function setSession(next) {
    session = next;
    clearTimeout(renewal);
    if (next) {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
      const delay = Math.max(0, Date.parse(next.expiresAt) - Date.now() - RENEW_BEFORE_MS);
      renewal = setTimeout(renew, delay);
    } else {
      sessionStorage.removeItem(SESSION_KEY);
    }
    signInForm.hidden = Boolean(next);
    signedIn.hidden = !next;
    userLabel.textContent = next ? `${next.user.email} (${next.user.roles.join(', ')})` : '';
  }

  /** Runs one operation over HTTP; resolves with its data, rejects with the first error's message and code. */
  async function request(query, variables, token) {
    const response = await fetch(config.endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) {
      const [error] = body.errors;
      throw new Error(error.extensions?.code ? `${error.message} (${error.extensions.code})` : error.message);
    }
    return body.data;
  }

  async function renew() {
    if (!session) return;
    try {
      const data = await request(REFRESH, { token: session.refreshToken });
      setSession(data.refreshToken);
    } catch (error) {
      setSession(null);
      show(`Your session ended: ${error.message}. Sign in again.`, true);
    }
  }

  signInForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(signInForm);
    show('Signing in…');
    try {
      const data = await request(SIGN_IN, {
        input: { email: String(form.get('email')), password: String(form.get('password')) },
      });
      signInForm.reset();
      setSession(data.signIn);
      show('Signed in: every operation now carries your access token.');
    } catch (error) {
      show(`Sign-in refused: ${error.message}`, true);
    }
  });

  signOutButton.addEventListener('click', async () => {
    const ending = session;
    setSession(null);
    if (ending) await request(SIGN_OUT, {}, ending.accessToken).catch(() => {});
    // A reload closes the subscriptions' socket, which was authenticated as the user who signed out.
    location.reload();
  });

  // The examples menu: one option per example, grouped by role; choosing one opens it in a GraphiQL tab of its own
  // (GraphiQL opens the `query` of the address in a new tab, or the tab that already holds it).
  for (const role of config.roles) {
    const group = document.createElement('optgroup');
    group.label = role.label;
    for (const example of config.examples.filter((candidate) => candidate.role === role.role)) {
      const option = document.createElement('option');
      option.value = String(config.examples.indexOf(example));
      option.textContent = example.title;
      group.append(option);
    }
    examples.append(group);
  }
  examples.addEventListener('change', () => {
    const example = config.examples[Number(examples.value)];
    if (!example) return;
    const target = new URL(location.href);
    target.search = new URLSearchParams({ query: example.document }).toString();
    location.assign(target);
  });

  setSession(session);
  if (!session) show('Sign in to run operations as a user; introspection and public operations work without.');

  const authorization = () => (session ? { authorization: `Bearer ${session.accessToken}` } : {});
  window.YogaGraphiQL.renderYogaGraphiQL(element('root'), {
    ...config.graphiql,
    endpoint: config.endpoint,
    // Read for every HTTP request and every new WebSocket connection, so they carry the current token.
    additionalHeaders: authorization,
    connectionParams: authorization,
  });
})();
