/**
 * Trusted documents (an operation safelist), optional: with `HMS_GATEWAY_TRUSTED_DOCUMENTS` naming a manifest, the
 * gateway runs only the operations it lists. Clients send an operation's id instead of its text — as
 * `"documentId": "sha256:<hex>"` (the GraphQL over HTTP draft's trusted documents) or Apollo's
 * `"extensions": { "persistedQuery": { "version": 1, "sha256Hash": "<hex>" } }` — or the full text of a listed
 * operation. Anything else is refused before it is parsed:
 *
 * - an id the manifest does not list: `PERSISTED_QUERY_NOT_IN_LIST` (HTTP 400);
 * - a text whose SHA-256 is not listed: `QUERY_NOT_IN_SAFELIST` (HTTP 400).
 *
 * The manifest is Apollo's persisted query manifest (what `@apollo/generate-persisted-query-manifest` writes from a
 * client's code): `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "name",
 * "type", "body" }] }`, where `id` is the lowercase hex SHA-256 of `body`; an entry whose id does not match its body
 * makes the manifest invalid. With the safelist on, the playground and ad-hoc tools can run only listed operations.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { z } from 'zod';

export const PERSISTED_QUERY_NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST';
export const QUERY_NOT_IN_SAFELIST = 'QUERY_NOT_IN_SAFELIST';

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z
    .array(
      z.object({
        id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256'),
        name: z.string().optional(),
        type: z.enum(['query', 'mutation', 'subscription']).optional(),
        body: z.string().min(1),
      }),
    )
    .min(1),
});

export type TrustedDocumentManifest = z.infer<typeof manifestSchema>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The operations of a manifest by id; throws naming the first problem of an invalid one. */
export function loadTrustedDocuments(manifest: unknown): ReadonlyMap<string, string> {
  const parsed = manifestSchema.safeParse(manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid trusted documents manifest at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const documents = new Map<string, string>();
  for (const operation of parsed.data.operations) {
    if (sha256(operation.body) !== operation.id) {
      throw new Error(`invalid trusted documents manifest: ${operation.name ?? operation.id} has an id not its body's`);
    }
    documents.set(operation.id, operation.body);
  }
  return documents;
}

/** Reads and checks the manifest file at `path`. */
export function readTrustedDocuments(path: string): ReadonlyMap<string, string> {
  return loadTrustedDocuments(JSON.parse(readFileSync(path, 'utf8')));
}

/** The id a request names, if it names one: `documentId` (with or without `sha256:`) or Apollo's hash. */
function requestedId(body: Record<string, unknown>): string | undefined {
  if (typeof body.documentId === 'string') return body.documentId.replace(/^sha256:/, '');
  const extensions = body.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined;
  const hash = extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * Express middleware in front of the GraphQL endpoint (after the JSON body parser): replaces a listed id with its
 * document, lets a listed text through, and refuses the rest. Over GET (queries only, as GraphQL over HTTP allows)
 * only a listed text passes; ids are taken in POST bodies.
 */
export function trustedDocumentsOnly(documents: ReadonlyMap<string, string>): RequestHandler {
  const refuse = (res: Parameters<RequestHandler>[1], code: string, message: string) =>
    res.status(400).json({ errors: [{ message, extensions: { code } }] });
  return (req, res, next) => {
    if (req.method === 'GET') {
      const query = req.query.query;
      if (typeof query === 'string' && documents.has(sha256(query))) return next();
      return refuse(res, QUERY_NOT_IN_SAFELIST, 'This gateway runs only trusted documents; send a listed one by id.');
    }
    const body = req.body as Record<string, unknown> | undefined;
    // Not a GraphQL request body (or a batch, which the gateway refuses anyway): Apollo Server answers it.
    if (!body || typeof body !== 'object' || Array.isArray(body)) return next();
    const id = requestedId(body);
    if (id !== undefined) {
      const document = documents.get(id);
      if (document === undefined) {
        return refuse(
          res,
          PERSISTED_QUERY_NOT_IN_LIST,
          'This gateway runs only trusted documents; that id is unknown.',
        );
      }
      const { documentId: _id, extensions, ...rest } = body;
      const { persistedQuery: _persisted, ...otherExtensions } = (extensions ?? {}) as Record<string, unknown>;
      req.body = { ...rest, query: document, extensions: otherExtensions };
      return next();
    }
    if (typeof body.query === 'string' && documents.has(sha256(body.query))) return next();
    return refuse(res, QUERY_NOT_IN_SAFELIST, 'This gateway runs only trusted documents; send a listed one by id.');
  };
}
