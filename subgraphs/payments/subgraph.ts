/**
 * Composition root of the payments subgraph: `Payment`, `Bill.payments` / `amountPaid` / `balanceDue`, `payBill` and
 * `refundPayment` under idempotency keys, the payment providers, and the consumers that keep each bill's ledger
 * (billing-events) and refund free cancellations (appointment-events).
 */
import { gql } from 'graphql-tag';
import { z } from 'zod';
import { ErrorCode } from '../../platform/errors.ts';
import { loaderById, loaderGrouped } from '../../platform/graphql/loaders.ts';
import { idempotencyEntities } from '../../platform/idempotency/idempotency-key.entity.ts';
import { IdempotencyStore, type IdempotencySettings } from '../../platform/idempotency/idempotency.ts';
import type { Orm } from '../../platform/db/orm.ts';
import {
  defineSubgraph,
  type ConsumerSpec,
  type SubgraphDependencies,
  type SubgraphDefinition,
  type SubgraphRuntime,
} from '../../platform/subgraph.ts';
import { readSdl } from '../../schema/catalog.ts';
import type { Context } from './context.ts';
import { ledgerHandlers } from './ledger.consumer.ts';
import { migrations } from './migrations/index.ts';
import { paymentEntities, paymentRecordOf } from './payment.entity.ts';
import { PaymentRepository } from './payment.repository.ts';
import { PaymentError } from './payment.rules.ts';
import { PaymentService } from './payment.service.ts';
import { createDeskProvider } from './providers/desk.provider.ts';
import type { PaymentProvider, PaymentProviders } from './providers/payment-provider.ts';
import { createSimulatedOnlineProvider } from './providers/simulated-online.provider.ts';
import { RefundService } from './refund.service.ts';
import { resolvers } from './resolvers/index.ts';

/** The payments subgraph's own environment variables. */
export const paymentsEnv = {
  /** How long idempotency keys are kept, in hours (SPEC §4: at least 24). */
  HMS_IDEMPOTENCY_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(24)
    .max(24 * 90)
    .default(24),
  /** How long a repeated request waits for the one still running under its key, in milliseconds. */
  HMS_IDEMPOTENCY_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Deadline of one call to a payment processor, in milliseconds. */
  HMS_PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * Who takes `ONLINE` payments: the built-in `simulated` processor (the default outside production), or nobody
   * (`disabled`, the default in production until a real processor is plugged in: see providers/README.md).
   */
  HMS_ONLINE_PAYMENTS: z.enum(['simulated', 'disabled']).optional(),
};

export interface PaymentSettings {
  idempotency: IdempotencySettings;
  providerTimeoutMs: number;
  /** The provider of `ONLINE` payments, or null when online payments are disabled. */
  onlineProvider: PaymentProvider | null;
}

/** Payment settings from the environment. */
export function paymentSettings(env: z.infer<z.ZodObject<typeof paymentsEnv>>, production: boolean): PaymentSettings {
  const online = env.HMS_ONLINE_PAYMENTS ?? (production ? 'disabled' : 'simulated');
  return {
    idempotency: { retentionHours: env.HMS_IDEMPOTENCY_RETENTION_HOURS, waitMs: env.HMS_IDEMPOTENCY_WAIT_MS },
    providerTimeoutMs: env.HMS_PAYMENT_PROVIDER_TIMEOUT_MS,
    onlineProvider: online === 'simulated' ? createSimulatedOnlineProvider() : null,
  };
}

export function paymentsSubgraph(settings: PaymentSettings): SubgraphDefinition<Context> {
  const desk = createDeskProvider();
  const providers: PaymentProviders = { CASH: desk, CARD: desk, INSURANCE: desk, ONLINE: settings.onlineProvider };
  const refunds = new RefundService(providers, settings.providerTimeoutMs);
  // One store per running subgraph: repeats of a request in this process wait on it in memory.
  const stores = new WeakMap<Orm, IdempotencyStore>();
  const storeOf = ({ orm, deps }: SubgraphRuntime): IdempotencyStore => {
    let store = stores.get(orm);
    if (!store) {
      store = new IdempotencyStore({ orm, clock: deps.clock, settings: settings.idempotency, logger: deps.logger });
      stores.set(orm, store);
    }
    return store;
  };

  return {
    name: 'payments',
    entities: [...paymentEntities, ...idempotencyEntities],
    migrations,
    typeDefs: gql(readSdl('payments')),
    resolvers,
    constraints: {
      bill_ledger_no_overpayment_check: {
        code: PaymentError.OVERPAYMENT,
        message: 'The payment exceeds the balance due.',
      },
      payment_reference_key: { code: ErrorCode.CONFLICT, message: 'This payment reference exists; try again.' },
    },
    createContext: (base, runtime) => {
      const em = runtime.orm.em.fork();
      const repository = new PaymentRepository(em);
      return {
        ...base,
        currency: runtime.deps.hospital.currency,
        payments: new PaymentService({
          em,
          actor: base,
          idempotencyKey: base.idempotencyKey,
          clock: runtime.deps.clock,
          providers,
          refunds,
          idempotency: storeOf(runtime),
          providerTimeoutMs: settings.providerTimeoutMs,
          logger: base.logger,
        }),
        loaders: {
          paymentById: loaderById(
            async (ids) => (await repository.findPayments(ids)).map(paymentRecordOf),
            (payment) => payment.id,
          ),
          paymentsOfBill: loaderGrouped(
            async (billIds) => (await repository.paymentsOfBills(billIds)).map(paymentRecordOf),
            (payment) => payment.billId,
          ),
          refundsOfPayment: loaderGrouped(
            (paymentIds) => repository.refundsOfPayments(paymentIds),
            (refund) => refund.paymentId,
          ),
          ledgerOfBill: loaderById(
            (billIds) => repository.ledgers(billIds),
            (ledger) => ledger.billId,
          ),
        },
      };
    },
    consumers: ({ deps }): ConsumerSpec[] => {
      const handlers = ledgerHandlers(refunds);
      return [
        { name: 'payments.bill-ledger', topics: ['billing-events'], handlers: handlers.billing },
        { name: 'payments.cancellation-refunds', topics: ['appointment-events'], handlers: handlers.appointments },
      ];
    },
  };
}

/** The payments subgraph, ready to start. */
export const createPaymentsSubgraph = (deps: SubgraphDependencies, settings: PaymentSettings) =>
  defineSubgraph(paymentsSubgraph(settings), deps);
