/**
 * The access token's claims, shared by identity (which signs) and the gateway (which verifies). A JWT
 * (RFC 7519) signed with ES256: `sub` the user id, `roles`, `sid` the session, and where linked `patient_id` /
 * `doctor_id` with SMART on FHIR's `fhirUser` (`Patient/<id>` or `Practitioner/<id>`). `iss`, `aud`, `exp`,
 * `iat`, `jti` and the header's `kid` are set by the signer.
 */
import { z } from 'zod';
import { roleSchema, type Principal } from './principal.ts';

/** The only algorithm tokens are signed or accepted with. */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';

/**
 * The shape of every `kid` identity signs under: the key's RFC 7638 thumbprint, SHA-256 in base64url (43
 * characters). The gateway refuses any other without looking it up.
 */
export const ACCESS_TOKEN_KID = /^[A-Za-z0-9_-]{43}$/;

export const accessTokenClaimsSchema = z.object({
  sub: z.string().uuid(),
  roles: z.array(roleSchema).min(1),
  patient_id: z.string().uuid().optional(),
  doctor_id: z.string().uuid().optional(),
  fhirUser: z.string().optional(),
  sid: z.string().uuid().optional(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/** The custom claims for a principal (the registered claims are added by the signer). */
export function claimsOf(principal: Principal): AccessTokenClaims {
  return {
    sub: principal.userId,
    roles: principal.roles,
    ...(principal.patientId ? { patient_id: principal.patientId, fhirUser: `Patient/${principal.patientId}` } : {}),
    ...(principal.doctorId ? { doctor_id: principal.doctorId, fhirUser: `Practitioner/${principal.doctorId}` } : {}),
    ...(principal.sessionId ? { sid: principal.sessionId } : {}),
  };
}

/** The principal a verified token stands for, or null when its claims are not of the expected shape. */
export function principalFromClaims(payload: unknown): Principal | null {
  const parsed = accessTokenClaimsSchema.safeParse(payload);
  if (!parsed.success) return null;
  const claims = parsed.data;
  return {
    userId: claims.sub,
    roles: claims.roles,
    ...(claims.patient_id ? { patientId: claims.patient_id } : {}),
    ...(claims.doctor_id ? { doctorId: claims.doctor_id } : {}),
    ...(claims.sid ? { sessionId: claims.sid } : {}),
  };
}
