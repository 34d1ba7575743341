/** Shapes of the identity subgraph's inputs. */
import { z } from 'zod';
import { emailSchema, nameSchema, phoneSchema } from '../../platform/validation.ts';

export const signUpInput = z.object({
  email: emailSchema,
  // Length and the not-the-email rule are checked by `passwordProblem`, which needs the email too.
  password: z.string(),
  givenName: nameSchema,
  familyName: nameSchema,
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  phone: phoneSchema.nullish(),
});
export type SignUpInput = z.infer<typeof signUpInput>;

export const signInInput = z.object({
  // Not validated as an email: a malformed one simply matches no account.
  email: z
    .string()
    .trim()
    .max(254)
    .transform((email) => email.toLowerCase()),
  password: z.string().max(1024),
});
export type SignInInput = z.infer<typeof signInInput>;
