/**
 * Events the identity subgraph publishes on `identity-events`, keyed by user id. Payloads never carry password
 * hashes; `PasswordResetRequested` carries the reset token itself, because the notifications subgraph must
 * deliver it to the account's owner (it is single-use and expires in 30 minutes).
 */
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
  /** Access tokens stop working before they expire: one session's, or all of a user's issued until `revokedAt`. */
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

export interface PasswordResetRequestedPayload {
  userId: string;
  email: string;
  resetToken: string;
  expiresAt: string;
}

/**
 * Which access tokens are revoked. With `sessionId`: every token of that session. Without: every token of the
 * user issued at or before `revokedAt`, except those of `exceptSessionId` (the session that changed the password).
 */
export interface TokensRevokedPayload {
  userId: string;
  sessionId: string | null;
  exceptSessionId: string | null;
  revokedAt: string;
  reason: 'SIGN_OUT' | 'REFRESH_TOKEN_REUSE' | 'PASSWORD_CHANGED' | 'PASSWORD_RESET' | 'USER_DISABLED';
}
