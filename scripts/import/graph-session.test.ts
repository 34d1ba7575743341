import { describe, expect, it } from '@jest/globals';
import { GraphClient, GraphRequestError } from '../../platform/graphql/client.ts';
import { GraphSession } from './graph-session.ts';

/** A client whose answers depend only on its token: `valid` answers, anything else is UNAUTHENTICATED. */
function clientWith(token: string, isValid: (token: string) => boolean, calls: string[]): GraphClient {
  return new (class extends GraphClient {
    override async data<Data>(): Promise<Data> {
      calls.push(token);
      await new Promise((resolve) => setImmediate(resolve));
      if (!isValid(token)) {
        throw new GraphRequestError({
          status: 401,
          errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED' } }],
        });
      }
      return { ok: token } as Data;
    }
  })('http://fake.test/graphql', token);
}

describe('GraphSession', () => {
  it('signs in once for all the requests that met an expired token, and retries each once', async () => {
    const calls: string[] = [];
    const valid = 'fresh';
    let signIns = 0;
    const session = new GraphSession(
      clientWith('old', (token) => token === valid, calls),
      async () => {
        signIns++;
        return clientWith('fresh', (token) => token === valid, calls);
      },
    );
    const answers = await Promise.all([1, 2, 3].map(() => session.data<{ ok: string }>('query Q { q }', {})));
    expect(answers).toEqual([{ ok: 'fresh' }, { ok: 'fresh' }, { ok: 'fresh' }]);
    expect(signIns).toBe(1);
    expect(calls.filter((token) => token === 'old')).toHaveLength(3);
    // Later requests use the new token straight away.
    await session.data('query Q { q }', {});
    expect(calls.at(-1)).toBe('fresh');
  });

  it('gives up after one retry when the new token is refused too', async () => {
    const calls: string[] = [];
    const session = new GraphSession(
      clientWith('old', () => false, calls),
      async () => clientWith('new', () => false, calls),
    );
    await expect(session.data('query Q { q }', {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(calls).toEqual(['old', 'new']);
  });

  it('passes other errors through without signing in', async () => {
    let signIns = 0;
    const failing = new (class extends GraphClient {
      override async data<Data>(): Promise<Data> {
        throw new GraphRequestError({ status: 200, errors: [{ message: 'taken', extensions: { code: 'CONFLICT' } }] });
      }
    })('http://fake.test/graphql');
    const session = new GraphSession(failing, async () => {
      signIns++;
      return failing;
    });
    await expect(session.data('mutation M { m }', {})).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(signIns).toBe(0);
  });
});
