/**
 * Events the identity subgraph publishes on `identity-events`, keyed by user id. Payloads never carry password
 * hashes; `PasswordResetRequested` carries the reset token itself, because the notifications subgraph must
 * deliver it to the account's owner (it is single-use and expires in 30 minutes). `TokensRevoked` carries a
 * `Revocation` (`platform/auth/revocations.ts`), the contract the gateway reads.
 */
import type { User } from './user.entity.ts';

export const IDENTITY_TOPIC = 'identity-events';

export const IdentityEvent = {
  /** A patient created their own account; `patients` creates their record under `patientId`. */
  UserSignedUp: 'UserSignedUp',
  StaffUserCreated: 'StaffUserCreated',
  UserDisabled: 'UserDisabled',
  UserEnabled: 'UserEnabled',
  DoctorLinked: 'DoctorLinked',
  PasswordChanged: 'PasswordChanged',
  PasswordResetRequested: 'PasswordResetRequested',
  /**
   * Access tokens stop working before they expire: one session's, or those of every session of a user started at
   * or before `revokedAt` (except the session that changed the password).
   */
  TokensRevoked: 'TokensRevoked',
} as const;

export interface UserSignedUpPayload {
  userId: string;
  patientId: string;
  email: string;
  givenName: string;
  familyName: string;
  birthDate: string;
  phone: string | null;
}

/** Payload of events about an account (created, disabled, enabled, linked, password changed). */
export interface AccountPayload {
  userId: string;
  roles: string[];
  doctorId: string | null;
}

/** The `AccountPayload` of `user`. */
export const accountPayload = (user: User): AccountPayload => ({
  userId: user.id,
  roles: [...user.roles],
  doctorId: user.doctorId ?? null,
});

export interface PasswordResetRequestedPayload {
  userId: string;
  email: string;
  resetToken: string;
  expiresAt: string;
}
