/** Shapes of the audit subgraph's inputs (the limits of `schema/audit.graphql`). */
import { z } from 'zod';
import { idSchema } from '../../platform/validation.ts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from './audit.rules.ts';

/** `AuditEventFilter`: absent and null conditions are no condition; `from` must not be after `to`. */
export const auditEventFilterInput = z
  .object({
    actorId: idSchema.nullish(),
    patientId: idSchema.nullish(),
    action: z.enum(AUDIT_ACTIONS).nullish(),
    resourceType: z.string().trim().min(1).max(100).nullish(),
    resourceId: z.string().trim().min(1).max(128).nullish(),
    outcome: z.enum(AUDIT_OUTCOMES).nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
    correlationId: z.string().trim().min(1).max(200).nullish(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from <= filter.to, {
    message: 'must not be after `to`',
    path: ['from'],
  });
export type AuditEventFilterInput = z.infer<typeof auditEventFilterInput>;
