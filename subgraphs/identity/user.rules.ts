/**
 * Account policy as pure functions and constants: lockout, token lifetimes, which roles a staff account may
 * hold. Sources: OWASP Authentication and Session Management cheat sheets; SPEC §2.
 */
import type { Role } from '../../platform/auth/principal.ts';

/** Lockout: at most `maxFailures` failed sign-ins per account within `windowMinutes`. */
export const LOCKOUT = { maxFailures: 10, windowMinutes: 15 } as const;

/** Refresh tokens (and so sessions without activity) last this long. */
export const REFRESH_TOKEN_TTL_DAYS = 14;

/** Password reset tokens last this long, and work once. */
export const RESET_TOKEN_TTL_MINUTES = 30;

/**
 * How long a token revocation matters after it is made, in milliseconds: until every access token it covers has
 * expired (their lifetime), plus 5 minutes for clock skew between identity and the gateways.
 */
export function revocationRetentionMs(accessTokenTtlSeconds: number): number {
  return accessTokenTtlSeconds * 1000 + 5 * 60_000;
}

/** Start of the lockout window that ends at `now`. */
export function lockoutWindowStart(now: Date): Date {
  return new Date(now.getTime() - LOCKOUT.windowMinutes * 60_000);
}

/** True when an account with `recentFailures` failures inside the window may not sign in. */
export function isLockedOut(recentFailures: number): boolean {
  return recentFailures >= LOCKOUT.maxFailures;
}

const STAFF_ROLES: readonly Role[] = ['ADMIN', 'RECEPTION', 'DOCTOR', 'BILLING'];

/**
 * Why a staff account may not have these roles, or null: at least one role, only staff roles (patients sign
 * up themselves), and a doctor profile exactly when the account is a DOCTOR.
 */
export function staffRolesProblem(
  roles: readonly Role[],
  doctorId: string | null | undefined,
): { field: string; message: string } | null {
  if (roles.length === 0) return { field: 'roles', message: 'must name at least one role' };
  const notStaff = roles.find((role) => !STAFF_ROLES.includes(role));
  if (notStaff) return { field: 'roles', message: `${notStaff} is not a staff role; patients sign up themselves` };
  if (roles.includes('DOCTOR') && !doctorId) return { field: 'doctorId', message: 'is required for the DOCTOR role' };
  if (!roles.includes('DOCTOR') && doctorId)
    return { field: 'doctorId', message: 'is only for accounts with the DOCTOR role' };
  return null;
}
