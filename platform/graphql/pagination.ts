/**
 * Cursor pagination (SPEC §9): `first`/`after` in, `XxxConnection { edges { node cursor } pageInfo { hasNextPage
 * endCursor } totalCount }` out. Cursors are opaque (base64url JSON of the sort key and id) and pages are read
 * with keyset conditions, so a page costs the same however deep it is.
 */
import { z } from 'zod';
import { BadUserInputError } from '../errors.ts';

/** Page size when `first` is omitted, and the largest page a client may ask for. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** The `first`/`after` arguments of a list field, absent ones as null. */
export const pageArgs = (args: PageArgs): { first: number | null; after: string | null } => ({
  first: args.first ?? null,
  after: args.after ?? null,
});

/** A validated page request: read `limit + 1` rows to learn whether there is a next page. */
export interface PageRequest {
  limit: number;
  after: CursorValues | null;
}

/** The values a cursor stands for: the sort key(s) then the id. */
export type CursorValues = (string | number)[];

/** Encodes keyset values into an opaque cursor. */
export function encodeCursor(values: CursorValues): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** What a list's cursors hold, e.g. `z.tuple([z.iso.datetime(), z.uuid()])` for (start time, id). */
export type CursorSchema = z.ZodType<CursorValues>;

/** A cursor of one id (lists in id order). */
export const idCursor: CursorSchema = z.tuple([z.uuid()]);

/**
 * Decodes a cursor made by `encodeCursor`, checking its values against `schema`.
 *
 * @throws BadUserInputError for anything else (a cursor of another list, or one made up).
 */
export function decodeCursor(cursor: string, schema: CursorSchema): CursorValues {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('`after` is not a cursor this list returned.', 'after');
}

/**
 * Validates `first` (1..100, default 20) and decodes `after` with the list's cursor schema.
 *
 * @throws BadUserInputError when `first` is out of range or `after` is not a valid cursor.
 */
export function pageRequest(args: PageArgs, cursor: CursorSchema): PageRequest {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}.`, 'first');
  }
  return { limit, after: args.after ? decodeCursor(args.after, cursor) : null };
}

export interface Connection<Node> {
  edges: { node: Node; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Computed only when the client asks for it. */
  totalCount: () => Promise<number>;
}

/**
 * Shapes `rows` (read with `limit + 1`) into a connection.
 *
 * @param cursorOf the keyset values of a row, in the order the query sorts by.
 */
export function toConnection<Node>(
  rows: Node[],
  request: PageRequest,
  cursorOf: (node: Node) => CursorValues,
  totalCount: () => Promise<number>,
): Connection<Node> {
  const page = rows.slice(0, request.limit);
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > request.limit, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}
