/** The per-request context of the payments subgraph, and the references it returns to other subgraphs. */
import type DataLoader from 'dataloader';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { BillLedger, PaymentRecord, Refund } from './payment.entity.ts';
import type { PaymentService } from './payment.service.ts';

export interface Context extends RequestContext {
  payments: PaymentService;
  /** The hospital's ISO 4217 currency (for bills this subgraph has not heard of yet). */
  currency: string;
  loaders: {
    paymentById: DataLoader<string, PaymentRecord | null>;
    paymentsOfBill: DataLoader<string, PaymentRecord[]>;
    refundsOfPayment: DataLoader<string, Refund[]>;
    ledgerOfBill: DataLoader<string, BillLedger | null>;
  };
}

/** A bill owned by billing: its key, plus its total when the gateway supplies it (`@requires`). */
export interface BillReference {
  id: string;
  total?: { amount: number; currency: string } | null;
}
