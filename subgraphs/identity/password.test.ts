import { describe, expect, it } from '@jest/globals';
import { assertPasswordPolicy, hashPassword, passwordProblem, verifyPassword } from './password.ts';

describe('password policy', () => {
  it('is enforced with BAD_USER_INPUT naming where the password came from', () => {
    expect(() => assertPasswordPolicy('short pass', 'a@b.co', 'input.newPassword')).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'input.newPassword: must be at least 12 characters',
      }),
    );
    expect(() => assertPasswordPolicy('twelve chars', 'a@b.co', 'input.password')).not.toThrow();
  });

  it('asks for at least 12 characters', () => {
    expect(passwordProblem('short pass', 'a@b.co')).toMatch(/at least 12/);
    expect(passwordProblem('twelve chars', 'a@b.co')).toBeNull();
  });

  it('refuses the email as password, whatever its case', () => {
    expect(passwordProblem('Nurse.Joy@Hospital.org', 'nurse.joy@hospital.org')).toMatch(/not be the email/);
  });

  it('refuses passwords over 128 characters', () => {
    expect(passwordProblem('x'.repeat(129), 'a@b.co')).toMatch(/at most 128/);
  });
});

describe('password hashing', () => {
  it('stores an argon2id hash with the OWASP parameters and verifies it', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
  });

  it('treats an unreadable hash as a failed verification', async () => {
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });
});
