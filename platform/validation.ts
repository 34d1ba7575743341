/**
 * Input validation with zod, shared by every subgraph's resolvers. A failed parse becomes one
 * `BAD_USER_INPUT` error naming the first offending field (e.g. `input.email`) and saying what is wrong.
 */
import { z } from 'zod';
import { BadUserInputError } from './errors.ts';

/**
 * Parses `value` with `schema`.
 *
 * @param path where the value sits in the operation, e.g. `input`; prefixed to the field in the error.
 * @throws BadUserInputError on the first issue.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, path = 'input'): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [path, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new BadUserInputError(`${field}: ${issue.message}`, field);
}

/** A required human name part: trimmed, 1–100 characters. */
export const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** An email address, lower-cased (emails are compared case-insensitively), at most 254 characters (RFC 5321). */
export const emailSchema = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'))
  .transform((email) => email.toLowerCase());

/** A phone number in E.164 form: `+`, country code, subscriber number; at most 15 digits. */
export const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +14025550123');

/** A UUID, as every id in the graph is. */
export const idSchema = z.string().uuid('must be an id returned by the graph');

/** A calendar date `YYYY-MM-DD` (ISO 8601) that exists: 2024-02-29 yes, 2026-02-31 no. */
export const dateSchema = z.iso.date('must be a calendar date YYYY-MM-DD');

/** Free text a person types, trimmed, with a maximum length. */
export const textSchema = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** An identifier issued by another system (FHIR `Identifier`). */
export const identifierSchema = z.object({
  system: z.string().trim().min(1).max(200),
  value: z.string().trim().min(1).max(200),
});

/** A list of identifiers with at most one per system. */
export const identifiersSchema = z
  .array(identifierSchema)
  .max(10)
  .refine(
    (identifiers) => new Set(identifiers.map((identifier) => identifier.system)).size === identifiers.length,
    'must have at most one identifier per system',
  );

/** Lists of identifier values to look up at once: 1–100. */
export const identifierLookupSchema = z.object({
  system: z.string().trim().min(1).max(200),
  values: z.array(z.string().trim().min(1).max(200)).min(1).max(100, 'at most 100 values at once'),
});
