import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { decodeCursor, encodeCursor, idCursor, pageRequest, toConnection } from './pagination.ts';

const startCursor = z.tuple([z.iso.datetime(), z.uuid()]);
const id = '0192f000-0000-7000-8000-000000000001';

describe('cursors', () => {
  it('decode to the values they were made from', () => {
    expect(decodeCursor(encodeCursor(['2026-01-01T09:00:00.000Z', id]), startCursor)).toEqual([
      '2026-01-01T09:00:00.000Z',
      id,
    ]);
  });

  it.each([
    ['not-a-cursor'],
    [encodeCursor([id])],
    [encodeCursor(['yesterday', id])],
    [encodeCursor(['2026-01-01T09:00:00.000Z', 'not-an-id'])],
    [Buffer.from('{"a":1}').toString('base64url')],
  ])('refuses %p with BAD_USER_INPUT', (cursor) => {
    expect(() => decodeCursor(cursor, startCursor)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('pageRequest', () => {
  it('defaults to 20 items', () => {
    expect(pageRequest({}, idCursor)).toEqual({ limit: 20, after: null });
  });

  it.each([0, -1, 101, 2.5])('refuses first = %p', (first) => {
    expect(() => pageRequest({ first }, idCursor)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('toConnection', () => {
  const totalCount = async () => 3;

  it('reports a next page when the query returned one row more than the page', () => {
    const connection = toConnection(['a', 'b', 'c'], { limit: 2, after: null }, (node) => [node], totalCount);
    expect(connection.edges.map((edge) => edge.node)).toEqual(['a', 'b']);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(['b']) });
  });

  it('reports the last page with a null cursor when it is empty', () => {
    const connection = toConnection([], { limit: 2, after: null }, (node: string) => [node], totalCount);
    expect(connection.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});
