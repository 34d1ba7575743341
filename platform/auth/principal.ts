/**
 * Who is calling. The gateway derives a `Principal` from a verified access token and forwards it to the
 * subgraphs inside an internal token (see `internal-token.ts`); services decide everything from it, never from
 * ids the client sends.
 */
import { z } from 'zod';

/** Roles of SPEC §2. A user may hold several. */
export const ROLES = ['ADMIN', 'RECEPTION', 'DOCTOR', 'BILLING', 'PATIENT'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

export const principalSchema = z.object({
  /** The identity subgraph's user id. */
  userId: z.string().uuid(),
  roles: z.array(roleSchema),
  /** Set when the user is a patient: their `Patient.id` (SMART on FHIR's `fhirUser` = `Patient/<id>`). */
  patientId: z.string().uuid().optional(),
  /** Set when the user is linked to a doctor profile: their `Doctor.id` (`fhirUser` = `Practitioner/<id>`). */
  doctorId: z.string().uuid().optional(),
  /** The session (refresh-token family) the access token belongs to, for signing out. */
  sessionId: z.string().uuid().optional(),
});

/** A signed-in caller. `null` stands for an anonymous caller. */
export type Principal = z.infer<typeof principalSchema>;

/** True when `principal` holds at least one of `roles`. */
export function hasAnyRole(principal: Principal | null, roles: readonly Role[]): boolean {
  return principal !== null && principal.roles.some((role) => roles.includes(role));
}

/** The `actor` of an event envelope (SPEC §6) for a principal; `system` work has no user. */
export function actorOf(principal: Principal | null): { userId: string | null; roles: Role[] } {
  return principal ? { userId: principal.userId, roles: [...principal.roles] } : { userId: null, roles: [] };
}
