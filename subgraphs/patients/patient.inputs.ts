/** Shapes of the patients subgraph's inputs, validated in the resolvers before the service sees them. */
import { z } from 'zod';
import {
  dateSchema,
  emailSchema,
  identifiersSchema,
  nameSchema,
  phoneSchema,
  textSchema,
} from '../../platform/validation.ts';
import { SEXES } from './patient.entity.ts';

export const addressSchema = z.object({
  line: z.array(textSchema(200).min(1)).max(4),
  city: textSchema(100).nullish(),
  state: textSchema(100).nullish(),
  postalCode: textSchema(20).nullish(),
  country: z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US')
    .nullish(),
});

export const registerPatientInput = z.object({
  givenName: nameSchema,
  familyName: nameSchema,
  birthDate: dateSchema,
  deceasedDate: dateSchema.nullish(),
  sex: z
    .enum(SEXES)
    .nullish()
    .transform((sex) => sex ?? 'UNKNOWN'),
  email: emailSchema.nullish(),
  phone: phoneSchema.nullish(),
  address: addressSchema.nullish(),
  identifiers: identifiersSchema.nullish(),
});
export type RegisterPatientInput = z.infer<typeof registerPatientInput>;

export const updatePatientInput = z.object({
  givenName: nameSchema.nullish(),
  familyName: nameSchema.nullish(),
  birthDate: dateSchema.nullish(),
  deceasedDate: dateSchema.nullish(),
  sex: z.enum(SEXES).nullish(),
  email: emailSchema.nullish(),
  phone: phoneSchema.nullish(),
  address: addressSchema.nullish(),
});
export type UpdatePatientInput = z.infer<typeof updatePatientInput>;

/** Fields a patient may change on their own record (contact data, SPEC §2). */
export const SELF_SERVICE_FIELDS = new Set<keyof UpdatePatientInput>(['email', 'phone', 'address']);
