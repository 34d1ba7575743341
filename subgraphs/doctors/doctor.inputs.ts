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

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM, 00:00 to 24:00');

export const workingHoursInput = z
  .object({
    weekday: z.number().int().min(1, 'must be 1 (Monday) to 7 (Sunday)').max(7, 'must be 1 (Monday) to 7 (Sunday)'),
    opens: timeOfDay,
    closes: timeOfDay,
  })
  .refine((hours) => hours.opens < hours.closes, { message: 'must open before it closes', path: ['closes'] });

export const doctorAvailabilityInput = z.object({
  weeklyHours: z.array(workingHoursInput).max(21, 'at most 21 stretches a week'),
  timeOff: z
    .array(
      z
        .object({ startsAt: z.date(), endsAt: z.date(), reason: textSchema(200).nullish() })
        .refine((off) => off.startsAt < off.endsAt, { message: 'must start before it ends', path: ['endsAt'] }),
    )
    .max(200, 'at most 200 absences')
    .nullish()
    .transform((timeOff) => timeOff ?? []),
});
export type DoctorAvailabilityInput = z.infer<typeof doctorAvailabilityInput>;
