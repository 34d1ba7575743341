import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { createLogger } from '../platform/logger.ts';
import { createSigningKeyCache, type PublishedKey } from './signing-key-cache.ts';

const publishedKey = (kid: string): PublishedKey => ({
  kid,
  publicKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString(),
});

/** A cache over a JWKS the test controls, on a clock the test moves. */
function setUp(initial: PublishedKey[]) {
  const jwks = { keys: initial, reads: 0, failing: false };
  let time = 1_000_000;
  const cache = createSigningKeyCache({
    fetchKeys: async () => {
      jwks.reads++;
      if (jwks.failing) throw new Error('identity is down');
      return jwks.keys;
    },
    missCooldownMs: 6_000,
    maxAgeMs: 600_000,
    logger: createLogger({ name: 'test', level: 'silent' }),
    now: () => time,
  });
  return { cache, jwks, advance: (ms: number) => (time += ms) };
}

describe('the signing key cache', () => {
  it('reads the JWKS once and then answers known kids from memory, parsed once', async () => {
    const { cache, jwks } = setUp([publishedKey('a')]);
    const first = await cache.key('a');
    const second = await cache.key('a');
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(jwks.reads).toBe(1);
  });

  it('reads concurrent lookups of unknown kids once', async () => {
    const { cache, jwks } = setUp([publishedKey('a')]);
    const found = await Promise.all(Array.from({ length: 50 }, (_, index) => cache.key(`made-up-${index}`)));
    expect(found.every((key) => key === undefined)).toBe(true);
    expect(jwks.reads).toBe(1);
  });

  it('after a read that missed, refuses unknown kids without reading until the cooldown has passed', async () => {
    const { cache, jwks, advance } = setUp([publishedKey('a')]);
    expect(await cache.key('made-up')).toBeUndefined();
    // The key is rotated meanwhile: it is accepted once the cooldown is over, not before.
    jwks.keys = [...jwks.keys, publishedKey('rotated')];
    expect(await cache.key('rotated')).toBeUndefined();
    expect(jwks.reads).toBe(1);
    advance(6_000);
    expect(await cache.key('rotated')).toBeDefined();
    expect(jwks.reads).toBe(2);
  });

  it('accepts a freshly rotated key at once when no read has missed lately', async () => {
    const { cache, jwks } = setUp([publishedKey('a')]);
    expect(await cache.key('a')).toBeDefined();
    jwks.keys = [...jwks.keys, publishedKey('rotated')];
    expect(await cache.key('rotated')).toBeDefined();
    expect(jwks.reads).toBe(2);
  });

  it('re-reads old keys in the background and keeps them while identity cannot answer', async () => {
    const { cache, jwks, advance } = setUp([publishedKey('a')]);
    const key = await cache.key('a');
    advance(600_001);
    jwks.failing = true;
    expect(await cache.key('a')).toBe(key);
    expect(jwks.reads).toBe(2);
    // A failed read is not retried on every request.
    expect(await cache.key('a')).toBe(key);
    expect(jwks.reads).toBe(2);
  });
});
