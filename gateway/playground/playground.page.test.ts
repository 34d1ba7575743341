import { beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, parse, validate } from 'graphql';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { API_SCHEMA_PATH } from '../api-schema.ts';
import { buildPlaygroundPage, cspHash, inlineJson, type PlaygroundPage } from './playground.page.ts';

let page: PlaygroundPage;
let html: string;

beforeAll(async () => {
  page = await buildPlaygroundPage({ endpoint: '/graphql' });
  html = page.html.toString('utf8');
});

/** The text of every `<script>` element without a `type`, in document order. */
const executableScripts = (document: string): string[] =>
  [...document.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);

describe('the playground page', () => {
  it('admits by hash exactly the scripts it holds, and no other script source', () => {
    const scripts = executableScripts(html);
    expect(scripts).toHaveLength(2);
    const scriptSrc = /(?:^|; )script-src ([^;]+)/.exec(page.contentSecurityPolicy)![1]!.split(' ');
    expect(scriptSrc).toEqual(scripts.map(cspHash));
    expect(page.contentSecurityPolicy).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it('loads nothing from another origin: no script, style sheet, icon or font address but data: URLs', () => {
    // The markup itself (script and style contents left out: they are text, loaded from nowhere).
    const markup = html.replace(/<(script|style)([^>]*)>[\s\S]*?<\/\1>/g, '<$1$2></$1>');
    expect(markup).not.toMatch(/<script[^>]*\bsrc=/i);
    const addresses = [...markup.matchAll(/\b(?:href|src|action)="([^"]*)"/gi)].map((match) => match[1]!);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((address) => !address.startsWith('data:'))).toEqual([]);
    // Inside the inlined CSS, every url(...) is a data: URL and nothing is @imported.
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]!).join('\n');
    const urls = [...styles.matchAll(/url\(\s*['"]?([^'")]*)/g)].map((match) => match[1]!);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((url) => !url.startsWith('data:') && !url.startsWith('#'))).toEqual([]);
    expect(styles).not.toMatch(/@import/);
  });

  it('carries every example, valid against the client schema, in its configuration block', () => {
    const block = /<script type="application\/json" id="hms-playground-config">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const config = JSON.parse(block) as { endpoint: string; examples: { document: string }[] };
    expect(config.endpoint).toBe('/graphql');
    const schema = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));
    expect(config.examples.length).toBeGreaterThan(10);
    for (const example of config.examples) expect(validate(schema, parse(example.document))).toEqual([]);
  });

  it('compresses to the same document', () => {
    expect(gunzipSync(page.gzipped).equals(page.html)).toBe(true);
    expect(page.gzipped.length).toBeLessThan(page.html.length / 2);
  });
});

describe('inlineJson', () => {
  it('cannot end the script element it is placed in', () => {
    const text = inlineJson({ document: '</script><script>alert(1)</script><!-- & \u2028' });
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual({ document: '</script><script>alert(1)</script><!-- & \u2028' });
  });
});
