import { describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { signInternalToken, verifyInternalToken } from './internal-token.ts';

const secret = 'x'.repeat(40);
const principal = { userId: '0192f000-0000-7000-8000-000000000001', roles: ['RECEPTION' as const] };

describe('internal tokens', () => {
  it('carry the principal and correlation id from gateway to subgraph', () => {
    const token = signInternalToken(secret, { principal, correlationId: 'corr-1' });
    expect(verifyInternalToken(secret, token)).toEqual({ principal, correlationId: 'corr-1' });
  });

  it('carry an anonymous caller as null', () => {
    const token = signInternalToken(secret, { principal: null, correlationId: 'corr-2' });
    expect(verifyInternalToken(secret, token)?.principal).toBeNull();
  });

  it('are refused when signed with another secret', () => {
    const token = signInternalToken('y'.repeat(40), { principal, correlationId: 'c' });
    expect(verifyInternalToken(secret, token)).toBeNull();
  });

  it('are refused when unsigned (alg none)', () => {
    const forged = jwt.sign({ principal: { ...principal, roles: ['ADMIN'] }, correlationId: 'c' }, '', {
      algorithm: 'none',
      issuer: 'hms-gateway',
      audience: 'hms-subgraph',
    });
    expect(verifyInternalToken(secret, forged)).toBeNull();
  });

  it('are refused when expired', () => {
    const expired = jwt.sign({ principal, correlationId: 'c', exp: Math.floor(Date.now() / 1000) - 10 }, secret, {
      issuer: 'hms-gateway',
      audience: 'hms-subgraph',
    });
    expect(verifyInternalToken(secret, expired)).toBeNull();
  });

  it('are accepted from a signer that used the secret as a plain string (another process version)', () => {
    const token = jwt.sign({ principal, correlationId: 'c' }, secret, {
      algorithm: 'HS256',
      expiresIn: 60,
      issuer: 'hms-gateway',
      audience: 'hms-subgraph',
    });
    expect(verifyInternalToken(secret, token)).toEqual({ principal, correlationId: 'c' });
    expect(jwt.verify(signInternalToken(secret, { principal, correlationId: 'c' }), secret)).toMatchObject({
      correlationId: 'c',
    });
  });

  it('are refused when missing or garbage', () => {
    expect(verifyInternalToken(secret, undefined)).toBeNull();
    expect(verifyInternalToken(secret, 'garbage')).toBeNull();
  });
});
