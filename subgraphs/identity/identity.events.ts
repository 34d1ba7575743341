/** Events the identity subgraph publishes on `identity-events`, keyed by user id. */
export const IDENTITY_TOPIC = 'identity-events';

export const IdentityEvent = {
  /** A patient created their own account; `patients` creates their record under `patientId`. */
  UserSignedUp: 'UserSignedUp',
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
