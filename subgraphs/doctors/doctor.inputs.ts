/** Shapes of the doctors subgraph's inputs. */
import { z } from 'zod';
import {
  emailSchema,
  identifiersSchema,
  idSchema,
  nameSchema,
  phoneSchema,
  textSchema,
} from '../../platform/validation.ts';

/** Minor units; at most 10,000,000 (100,000.00 in a two-decimal currency). */
const feeSchema = z
  .number()
  .int('must be a whole number of minor units')
  .min(0, 'must not be negative')
  .max(10_000_000);

export const createDepartmentInput = z.object({
  name: z.string().trim().min(2, 'must be at least 2 characters').max(100),
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{2,10}$/, 'must be 2–10 upper-case letters or digits'),
  description: textSchema(2000).nullish(),
});
export type CreateDepartmentInput = z.infer<typeof createDepartmentInput>;

export const createDoctorInput = z.object({
  givenName: nameSchema,
  familyName: nameSchema,
  departmentId: idSchema,
  specialization: nameSchema,
  consultationFeeAmount: feeSchema,
  email: emailSchema.nullish(),
  phone: phoneSchema.nullish(),
  identifiers: identifiersSchema.nullish(),
});
export type CreateDoctorInput = z.infer<typeof createDoctorInput>;

export const updateDoctorInput = z.object({
  givenName: nameSchema.nullish(),
  familyName: nameSchema.nullish(),
  departmentId: idSchema.nullish(),
  specialization: nameSchema.nullish(),
  consultationFeeAmount: feeSchema.nullish(),
  email: emailSchema.nullish(),
  phone: phoneSchema.nullish(),
  active: z.boolean().nullish(),
});
export type UpdateDoctorInput = z.infer<typeof updateDoctorInput>;

export const doctorFilterInput = z.object({
  departmentId: idSchema.nullish(),
  specialization: z.string().trim().max(100).nullish(),
  search: z.string().trim().max(200).nullish(),
});
export type DoctorFilter = z.infer<typeof doctorFilterInput>;
