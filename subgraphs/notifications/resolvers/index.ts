/**
 * Resolvers of the notifications subgraph: parse the input, call the service, shape the result. A notification
 * reaches the client only through `NotificationService.readable` (its recipient's, else null); loaders only batch.
 */
import { pageArgs } from '../../../platform/graphql/pagination.ts';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { templateFilterInput, updateNotificationTemplateInput } from '../notification.inputs.ts';
import { maskAddress } from '../notification.rules.ts';
import { variablesOf } from '../template.rules.ts';

/** An id the graph could have issued, else null (no notification has it). */
const knownId = (id: string): string | null => (idSchema.safeParse(id).success ? id : null);

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    myNotifications: (_root, args, { notifications }) => notifications.feed(args.unreadOnly ?? false, pageArgs(args)),
    notification: async (_root, args, { notifications, loaders }) => {
      const id = knownId(args.id);
      return id ? notifications.readable(await loaders.notificationById.load(id)) : null;
    },
    notificationTemplates: (_root, args, { templates }) =>
      templates.list(parseInput(templateFilterInput, { eventType: args.eventType, channel: args.channel }, '')),
  },
  Mutation: {
    markNotificationRead: (_root, args, { notifications }) =>
      notifications.markRead(parseInput(idSchema, args.id, 'id')),
    updateNotificationTemplate: (_root, args, { templates }) =>
      templates.update(parseInput(updateNotificationTemplateInput, args.input)),
  },
  Notification: {
    __resolveReference: async (reference, { notifications, loaders }) => {
      const id = knownId(reference.id);
      return id ? notifications.readable(await loaders.notificationById.load(id)) : null;
    },
    recipient: (notification) => ({
      kind: notification.audience,
      id: notification.recipientId,
      address: notification.address ? maskAddress(notification.address) : null,
    }),
  },
  NotificationTemplate: {
    variables: (template) => variablesOf(template.eventType),
  },
};
