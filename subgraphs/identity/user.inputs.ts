/** Shapes of the identity subgraph's inputs. */
import { z } from 'zod';
import { roleSchema } from '../../platform/auth/principal.ts';
import { dateSchema, emailSchema, idSchema, nameSchema, phoneSchema } from '../../platform/validation.ts';

/**
 * An email to look an account up by (sign-in, password reset): not validated as an email, since a malformed one
 * simply matches no account; lower-cased like stored emails.
 */
const lookupEmail = z
  .string()
  .trim()
  .max(254)
  .transform((email) => email.toLowerCase());

export const signUpInput = z.object({
  email: emailSchema,
  // Length and the not-the-email rule are checked by `assertPasswordPolicy`, which needs the email too.
  password: z.string(),
  givenName: nameSchema,
  familyName: nameSchema,
  birthDate: dateSchema,
  phone: phoneSchema.nullish(),
});
export type SignUpInput = z.infer<typeof signUpInput>;

export const signInInput = z.object({
  email: lookupEmail,
  password: z.string().max(1024),
});
export type SignInInput = z.infer<typeof signInInput>;

/** Opaque tokens (refresh, reset) are 43 base64url characters; anything much longer is not one. */
export const opaqueTokenSchema = z.string().trim().min(1).max(200);

export const resetPasswordInput = z.object({
  token: opaqueTokenSchema,
  // Checked by `assertPasswordPolicy` against the account's email.
  newPassword: z.string(),
});

export const changePasswordInput = z.object({
  currentPassword: z.string().max(1024),
  newPassword: z.string(),
});

export const requestPasswordResetInput = lookupEmail;

export const createStaffUserInput = z.object({
  email: emailSchema,
  password: z.string(),
  roles: z.array(roleSchema).max(5),
  doctorId: idSchema.nullish(),
});
export type CreateStaffUserInput = z.infer<typeof createStaffUserInput>;

export const userSearchInput = z.string().trim().max(254).nullish();
