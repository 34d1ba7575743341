/**
 * Every subgraph of the graph, by name (the order of `schema/catalog.ts`): definitions for tools, and the
 * factories a process uses to run them.
 */
import { z } from 'zod';
import { loadConfig } from '../platform/config.ts';
import type { RequestContext } from '../platform/graphql/context.ts';
import type { SubgraphDefinition } from '../platform/subgraph.ts';
import { DEFAULT_POLICY, type SchedulingPolicy } from './appointments/appointment.rules.ts';
import { appointmentsSubgraph } from './appointments/subgraph.ts';
import { auditEnv, auditSettings, auditSubgraph, type AuditSettings } from './audit/subgraph.ts';
import { billingSubgraph } from './billing/subgraph.ts';
import { doctorsSubgraph } from './doctors/subgraph.ts';
import { identitySubgraph, type IdentitySettings } from './identity/subgraph.ts';
import {
  notificationSettings,
  notificationsEnv,
  notificationsSubgraph,
  type NotificationSettings,
} from './notifications/subgraph.ts';
import { patientsSubgraph } from './patients/subgraph.ts';
import { paymentsSubgraph, type PaymentSettings } from './payments/subgraph.ts';
import { prescriptionsSubgraph } from './prescriptions/subgraph.ts';

/** Settings some subgraphs need beyond `SubgraphDependencies`. */
export interface GraphSettings {
  identity: IdentitySettings;
  scheduling: SchedulingPolicy;
  payments: PaymentSettings;
  notifications: NotificationSettings;
  audit: AuditSettings;
}

/** The definition of every subgraph, in catalog order. */
export function subgraphDefinitions(settings: GraphSettings): SubgraphDefinition<RequestContext>[] {
  return [
    identitySubgraph(settings.identity),
    patientsSubgraph,
    doctorsSubgraph,
    appointmentsSubgraph(settings.scheduling),
    billingSubgraph,
    paymentsSubgraph(settings.payments),
    prescriptionsSubgraph,
    notificationsSubgraph(settings.notifications),
    auditSubgraph(settings.audit),
  ] as unknown as SubgraphDefinition<RequestContext>[];
}

/** Every definition with placeholder settings, for tools that need only entities and migrations. */
export function subgraphDefinitionsForTools(): SubgraphDefinition<RequestContext>[] {
  return subgraphDefinitions({
    identity: {
      admin: {},
      tokens: { issuer: 'tools', audience: 'tools', accessTokenTtlSeconds: 60, refreshTokenTtlDays: 1 },
      production: false,
    },
    scheduling: DEFAULT_POLICY,
    payments: { idempotency: { retentionHours: 24, waitMs: 0 }, providerTimeoutMs: 1000, onlineProvider: null },
    // No mail server or SMS gateway: tools never send anything.
    notifications: notificationSettings(loadConfig(z.object(notificationsEnv), {})),
    audit: auditSettings(loadConfig(z.object(auditEnv), {})),
  });
}
