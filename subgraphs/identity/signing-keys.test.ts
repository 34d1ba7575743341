import { describe, expect, it } from '@jest/globals';
import { createPublicKey } from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_KID } from '../../platform/auth/access-token.ts';
import { generateSigningKey, jwkThumbprint } from './signing-keys.ts';

describe('signing keys', () => {
  it('are named by their RFC 7638 thumbprint, in the shape the gateway accepts as a kid', () => {
    const key = generateSigningKey(new Date('2026-11-23T06:00:00Z'));
    expect(key.kid).toMatch(ACCESS_TOKEN_KID);
    expect(key.kid).toBe(jwkThumbprint(createPublicKey(key.privateKeyPem as string).export({ format: 'jwk' })));
    expect(key.publicJwk).toMatchObject({ kid: key.kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig', kty: 'EC' });
    expect(key.publicJwk).not.toHaveProperty('d');
  });
});
