/** The per-request context of the notifications subgraph. */
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { Notification } from './notification.entity.ts';
import type { NotificationService } from './notification.service.ts';
import type { TemplateService } from './template.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  notifications: NotificationService;
  templates: TemplateService;
  /** Loaders return rows as stored; `NotificationService.readable` decides what the caller gets. */
  loaders: {
    notificationById: DataLoader<string, Notification | null>;
  };
}

/** What `NotificationConnection` resolvers receive. */
export type NotificationConnection = Connection<Notification>;
