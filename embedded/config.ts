/**
 * Environment of the one-process graph (`npm start`): every subgraph and the gateway in one process, on
 * embedded PGlite and in-process events unless `DATABASE_URL` / `KAFKA_BROKERS` say otherwise.
 */
import { z } from 'zod';
import { baseEnv, databaseEnv, internalAuthEnv, kafkaEnv } from '../platform/config.ts';
import { gatewayCommonEnv } from '../gateway/config.ts';
import { identityEnv } from '../subgraphs/identity/subgraph.ts';
import { appointmentsEnv } from '../subgraphs/appointments/subgraph.ts';
import { paymentsEnv } from '../subgraphs/payments/subgraph.ts';
import { notificationsEnv } from '../subgraphs/notifications/subgraph.ts';
import { auditEnv } from '../subgraphs/audit/subgraph.ts';

export const embeddedEnvSchema = z.object({
  ...baseEnv,
  ...databaseEnv,
  ...kafkaEnv,
  ...internalAuthEnv,
  ...identityEnv,
  ...appointmentsEnv,
  ...paymentsEnv,
  ...notificationsEnv,
  ...auditEnv,
  ...gatewayCommonEnv,
  /** Interface the in-process subgraphs listen on (each on a free port); only the gateway talks to them. */
  HMS_SUBGRAPH_HOST: z.string().default('127.0.0.1'),
});
export type EmbeddedEnv = z.infer<typeof embeddedEnvSchema>;
