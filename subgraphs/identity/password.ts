/**
 * Password hashing and policy. argon2id (memory-hard, RFC 9106) from the `argon2` package, with the OWASP
 * Password Storage Cheat Sheet's parameters: 19 MiB of memory, 2 iterations, 1 lane.
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { BadUserInputError } from '../../platform/errors.ts';

const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Minimum length (NIST SP 800-63B allows 8; the hospital asks for 12). Maximum bounds hashing work. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** Hashes a password into a PHC string (`$argon2id$v=19$m=19456,p=1,t=2$…`). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

/** True when `password` matches `hash`; false for a wrong password or an unreadable hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/**
 * A hash of a random password, made once at start-up and verified against when the email is unknown, so that
 * signing in takes as long for an unknown email as for a wrong password (no user enumeration by timing).
 */
export function newDummyPasswordHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString('base64url'));
}

/** Why a password is not acceptable, or null: 12–128 characters, and not the email. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return 'must not be the email';
  return null;
}

/**
 * Enforces the password policy (`passwordProblem`).
 *
 * @param field where the password came from, named in the error (`input.password`, `HMS_ADMIN_PASSWORD`).
 * @throws BadUserInputError `<field>: <problem>` when the password is not acceptable.
 */
export function assertPasswordPolicy(password: string, email: string, field: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new BadUserInputError(`${field}: ${problem}`, field);
}
