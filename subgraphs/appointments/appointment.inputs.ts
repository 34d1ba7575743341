/** Shapes of the appointments subgraph's inputs. */
import { z } from 'zod';
import { identifierSchema, idSchema, textSchema } from '../../platform/validation.ts';
import { APPOINTMENT_STATUSES } from './appointment.rules.ts';

export const bookAppointmentInput = z.object({
  patientId: idSchema,
  doctorId: idSchema,
  departmentId: idSchema,
  startsAt: z.date(),
  reason: textSchema(1000).nullish(),
  identifier: identifierSchema.nullish(),
});
export type BookAppointmentInput = z.infer<typeof bookAppointmentInput>;

export const cancellationReason = textSchema(1000).nullish();

export const appointmentFilterInput = z
  .object({
    patientId: idSchema.nullish(),
    doctorId: idSchema.nullish(),
    status: z.array(z.enum(APPOINTMENT_STATUSES)).max(7).nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from < filter.to, {
    message: 'from must be before to',
    path: ['to'],
  });
export type AppointmentFilter = z.infer<typeof appointmentFilterInput>;

export const rescheduleInput = z.object({ id: idSchema, startsAt: z.date() });

export const rejectionReason = textSchema(1000).nullish();

/** Outcomes the history import records: appointments that happened, or did not. */
export const HISTORICAL_STATUSES = ['COMPLETED', 'NO_SHOW'] as const;

export const importAppointmentInput = z.object({
  patientId: idSchema,
  doctorId: idSchema,
  departmentId: idSchema,
  startsAt: z.date(),
  status: z.enum(HISTORICAL_STATUSES),
  identifier: identifierSchema,
});
export type ImportAppointmentInput = z.infer<typeof importAppointmentInput>;
