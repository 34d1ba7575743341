/**
 * The playground in a real browser: Debian's headless Chromium, driven by playwright-core, against the whole graph.
 * A receptionist signs in on the page, runs a query and sees its result, opens the "every appointment" example,
 * starts it and sees the booking the test then makes arrive; the page loads nothing from any other origin and
 * breaks no rule of its Content-Security-Policy. A screenshot is kept in `test-artifacts/playground.png`.
 * A gateway with the playground off answers `/playground` with its JSON 404.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createGateway } from '../../gateway/gateway.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import { SUPERGRAPH_PATH } from '../../schema/catalog.ts';
import { JWKS_PATH, REVOCATIONS_PATH } from '../../subgraphs/identity/subgraph.ts';
import { aDepartment, aDoctor, aPatient, aStaffMember, BOOK, PASSWORD, slotAt, untilBookable } from '../builders.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCREENSHOT = join(ARTIFACTS, 'playground.png');
/** Bound of every wait on the page (loading a 9 MB page on a busy two-core machine included). */
const PAGE_TIMEOUT_MS = 60_000;
/** Bound of the browser test as a whole: a few page waits, two page loads. */
const BROWSER_TEST_TIMEOUT_MS = 300_000;

let graph: TestGraph;
let origin: string;
let reception: { client: GraphClient; email: string };
let booking: { patientId: string; doctorId: string; departmentId: string };
let userDataDir: string;
let context: BrowserContext | undefined;

beforeAll(async () => {
  graph = await startTestGraph();
  origin = new URL(graph.url).origin;
  const admin = await graph.admin();
  reception = await aStaffMember(admin, ['RECEPTION']);
  const department = await aDepartment(admin);
  const doctor = await aDoctor(admin, department.id);
  const patient = await aPatient(admin);
  await untilBookable(graph, { doctorIds: [doctor.id], patientIds: [patient.id] });
  booking = { patientId: patient.id, doctorId: doctor.id, departmentId: department.id };

  userDataDir = mkdtempSync(join(tmpdir(), 'hms-playground-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: PAGE_TIMEOUT_MS,
  });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await graph?.stop();
}, BROWSER_TEST_TIMEOUT_MS);

/** The text of GraphiQL's result pane (a read-only Monaco editor, which renders only its visible lines). */
const resultText = (page: Page): Promise<string> => page.locator('.graphiql-response .view-lines').innerText();

/** Waits until the result pane shows `text`; fails with what it showed instead. */
async function untilResultShows(page: Page, text: string): Promise<void> {
  try {
    await page.locator('.graphiql-response .view-lines').filter({ hasText: text }).waitFor();
  } catch (error) {
    throw new Error(`the result pane never showed ${text}; it shows:\n${await resultText(page).catch(() => '?')}`, {
      cause: error,
    });
  }
}

describe('the playground', () => {
  it(
    'signs a receptionist in, runs a query, receives a subscription event, and loads nothing from elsewhere',
    async () => {
      const page = await context!.newPage();
      try {
        const requested: string[] = [];
        const problems: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        page.on('websocket', (socket) => requested.push(socket.url()));
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('console', (message) => {
          if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
        });

        await page.goto(`${origin}/playground`, { waitUntil: 'load' });
        await page.locator('.graphiql-container').first().waitFor();
        // The client schema arrived by introspection: the documentation explorer shows its subscription root.
        const docs = page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
        await docs.click();
        await page.locator('.graphiql-doc-explorer').getByText('Subscription', { exact: true }).waitFor();
        await page.locator('.graphiql-sidebar button[aria-label="Hide Documentation Explorer"]').click();

        // Sign in with the panel above GraphiQL.
        await page.getByLabel('Email').fill(reception.email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const status = page.locator('#hms-session-status');
        await status.filter({ hasText: /^(Signed in|Sign-in refused)/ }).waitFor();
        expect(await status.innerText()).toBe('Signed in: every operation now carries your access token.');
        expect(await page.locator('#hms-user').innerText()).toBe(`${reception.email} (RECEPTION)`);
        // The token is in this tab's session storage only; nothing of the credentials reached the address.
        const stored = await page.evaluate(() => ({
          session: sessionStorage.getItem('hms.playground.session'),
          local: JSON.stringify({ ...localStorage }),
        }));
        expect(JSON.parse(stored.session!)).toMatchObject({
          accessToken: expect.any(String),
          user: { roles: ['RECEPTION'] },
        });
        expect(stored.local).not.toContain(JSON.parse(stored.session!).accessToken);
        expect(page.url()).not.toContain(encodeURIComponent(reception.email));

        // The welcome tab's query, run as the receptionist: the token went with it.
        await page.locator('.graphiql-execute-button').click();
        await untilResultShows(page, reception.email);
        expect(await resultText(page)).toContain('RECEPTION');

        // Open the reception example of live appointment updates (a new tab) and start it.
        await page.locator('#hms-examples').selectOption({ label: 'Live: every appointment' });
        await page.waitForURL(/[?&]query=/);
        await page.locator('.graphiql-container').first().waitFor();
        await page.locator('#hms-user').filter({ hasText: reception.email }).waitFor();
        await page
          .locator('.graphiql-editor .view-lines')
          .filter({ hasText: 'subscription FrontDeskUpdates' })
          .waitFor();
        await page.locator('.graphiql-execute-button').click();
        await eventually(async () => graph.gateway.realtime.subscriptions >= 1, PAGE_TIMEOUT_MS);

        // A booking made by the test's own client reaches the page over the subscription.
        const booked = await reception.client.data<{ bookAppointment: { id: string } }>(BOOK, {
          input: { ...booking, startsAt: slotAt(3, 10) },
        });
        await untilResultShows(page, booked.bookAppointment.id);
        expect(await resultText(page)).toContain('BOOKED');

        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        const png = readFileSync(SCREENSHOT);
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect(png.readUInt32BE(16)).toBe(1440); // IHDR width
        expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);

        // Every request went to the gateway itself; `data:` and `blob:` URLs are the page's own inlined assets.
        expect(requested.length).toBeGreaterThan(3);
        const elsewhere = requested.filter((url) => {
          const { protocol, host } = new URL(url);
          if (protocol === 'data:' || protocol === 'blob:') return false;
          return host !== new URL(origin).host || !['http:', 'ws:'].includes(protocol);
        });
        expect(elsewhere).toEqual([]);
        expect(requested.some((url) => url.startsWith(`ws://${new URL(origin).host}/graphql`))).toBe(true);
        expect(problems).toEqual([]);

        // Signing out forgets the session.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        expect(await page.evaluate(() => sessionStorage.getItem('hms.playground.session'))).toBeNull();
      } finally {
        await page.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it('is served under a Content-Security-Policy that admits only its own inline scripts', async () => {
    const response = await fetch(`${origin}/playground`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    const scriptSources = /script-src ([^;]+)/.exec(policy)![1]!.trim().split(/\s+/);
    expect(scriptSources.length).toBe(2);
    for (const source of scriptSources) expect(source).toMatch(/^'sha256-[A-Za-z0-9+/]{43}='$/);
    const html = await response.text();
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href="(?!data:)/i);

    // Asked again with its validator, it is not sent again.
    // (`cache-control` given, or fetch adds `no-cache`, which asks for the whole page.)
    const again = await fetch(`${origin}/playground`, {
      headers: { 'if-none-match': response.headers.get('etag')!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });

  it('takes a browser from /graphql to the playground, while GraphQL clients still get GraphQL', async () => {
    const browser = await fetch(`${graph.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      redirect: 'manual',
    });
    expect(browser.status).toBe(303);
    const location = new URL(browser.headers.get('location')!, origin);
    expect(location.pathname).toBe('/playground');
    expect(location.searchParams.get('query')).toBe('{ __typename }');

    const client = await fetch(`${graph.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      redirect: 'manual',
    });
    expect(client.status).toBe(200);
    expect(await client.json()).toEqual({ data: { __typename: 'Query' } });

    // CSRF prevention still refuses a GET without a preflight header, whatever it accepts.
    const simple = await fetch(`${graph.url}?query=${encodeURIComponent('{ __typename }')}`, { redirect: 'manual' });
    expect(simple.status).toBe(400);
  });

  it('is not served by a gateway that has it off: /playground is the JSON 404', async () => {
    const transport = new InProcessTransport();
    await transport.start();
    const identityUrl = new URL(graph.subgraphUrls.identity!);
    const gateway = createGateway({
      supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      subgraphUrls: graph.subgraphUrls,
      tokens: {
        jwksUrl: new URL(JWKS_PATH, identityUrl).toString(),
        revocationsUrl: new URL(REVOCATIONS_PATH, identityUrl).toString(),
        issuer: 'hms-identity',
        audience: 'hms-supergraph',
        accessTokenTtlSeconds: 900,
      },
      transport,
      internalTokenSecret: graph.internalTokenSecret,
      logger: graph.logger,
      introspection: true,
      playground: false,
    });
    const listening = await gateway.start('127.0.0.1', 0);
    try {
      const response = await fetch(`${listening.url}/playground`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-security-policy')).toBeNull();
      expect(await response.json()).toEqual({ errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] });
      const browser = await fetch(`${listening.url}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(browser.status).not.toBe(303);
      expect(browser.headers.get('location')).toBeNull();
    } finally {
      await gateway.stop();
      await transport.stop();
    }
  });
});
