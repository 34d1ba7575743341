/** Shapes of the notifications subgraph's inputs (the limits of `schema/notifications.graphql`). */
import { z } from 'zod';
import { MAX_TEMPLATE_BODY_LENGTH, MAX_TEMPLATE_SUBJECT_LENGTH } from './notification.entity.ts';
import { NOTIFICATION_AUDIENCES, NOTIFICATION_CHANNELS, NOTIFICATION_EVENT_TYPES } from './notification.rules.ts';

/**
 * `UpdateNotificationTemplateInput`. Text is kept as written (whitespace is part of a template); an empty subject is
 * no subject. What the template says is checked by `templateProblem`.
 */
export const updateNotificationTemplateInput = z.object({
  eventType: z.enum(NOTIFICATION_EVENT_TYPES),
  channel: z.enum(NOTIFICATION_CHANNELS),
  audience: z.enum(NOTIFICATION_AUDIENCES),
  subject: z
    .string()
    .max(MAX_TEMPLATE_SUBJECT_LENGTH, `must be at most ${MAX_TEMPLATE_SUBJECT_LENGTH} characters`)
    .nullish()
    .transform((subject) => (subject?.trim() ? subject : null)),
  body: z
    .string()
    .refine((body) => body.trim().length > 0, 'must not be empty')
    .pipe(z.string().max(MAX_TEMPLATE_BODY_LENGTH, `must be at most ${MAX_TEMPLATE_BODY_LENGTH} characters`)),
  enabled: z.boolean().nullish(),
});
export type UpdateNotificationTemplateInput = z.infer<typeof updateNotificationTemplateInput>;

/** The filter of `notificationTemplates`. */
export const templateFilterInput = z.object({
  eventType: z.enum(NOTIFICATION_EVENT_TYPES).nullish(),
  channel: z.enum(NOTIFICATION_CHANNELS).nullish(),
});
export type TemplateFilter = z.infer<typeof templateFilterInput>;
