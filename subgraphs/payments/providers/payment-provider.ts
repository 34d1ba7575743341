/**
 * The one interface every way of taking money implements: the desk (cash, card terminal, insurer remittances) and
 * online card processors. The payments service calls it outside any database transaction, under a deadline
 * (`signal`), after the amount is reserved on the bill's ledger; see README.md in this folder for plugging in a real
 * processor.
 */
import type { PaymentMethod } from '../payment.rules.ts';

export interface ChargeRequest {
  /**
   * Our unique payment reference. Processors must treat it as their idempotency key: a charge retried with the
   * same reference never charges twice.
   */
  reference: string;
  /** Minor units of `currency`, at least 1. */
  amount: number;
  /** ISO 4217. */
  currency: string;
  method: PaymentMethod;
  /** For online payments: the single-use token the processor's payment page issued for the card. */
  paymentToken: string | null;
  /** Shown on the patient's statement, e.g. `Bill B-2026-000042`. */
  description: string;
}

export type ChargeResult =
  { outcome: 'APPROVED'; providerReference: string | null } | { outcome: 'DECLINED'; code: string; message: string };

export interface RefundRequest {
  /** Unique per refund (`<payment reference>-R<n>`); processors treat it as an idempotency key. */
  reference: string;
  /** The charge's reference and the processor's own id of it. */
  paymentReference: string;
  providerReference: string | null;
  amount: number;
  currency: string;
}

export type RefundResult =
  { outcome: 'REFUNDED'; providerReference: string | null } | { outcome: 'REFUSED'; message: string };

export interface PaymentProvider {
  /** For logs and receipts, e.g. `desk`, `simulated-online`. */
  readonly name: string;
  /**
   * Takes the money. Must reject (or settle) when `signal` aborts; the caller then treats the charge as unanswered
   * and calls `cancel`.
   */
  charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult>;
  /** Gives back (part of) a charge. */
  refund(request: RefundRequest, signal: AbortSignal): Promise<RefundResult>;
  /**
   * Makes sure a charge whose answer never arrived takes no money (an authorization reversal by reference). Must be
   * safe to call for a charge that never reached the processor.
   */
  cancel(reference: string, signal: AbortSignal): Promise<void>;
}

/** Which provider takes each method. */
export type PaymentProviders = Record<PaymentMethod, PaymentProvider | null>;

/** How a call to a provider ended: its answer, no answer before the deadline, or an error. */
export type ProviderCall<Answer> =
  { kind: 'answered'; answer: Answer } | { kind: 'timed-out' } | { kind: 'failed'; error: unknown };

/**
 * Calls a provider with a deadline of `timeoutMs` milliseconds; never throws. A provider that does not settle when
 * its signal aborts is abandoned at the deadline all the same.
 */
export async function callProvider<Answer>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<Answer>,
): Promise<ProviderCall<Answer>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProviderCall<Answer>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('payment provider deadline passed'));
      resolve({ kind: 'timed-out' });
    }, timeoutMs);
  });
  const attempt = call(controller.signal).then(
    (answer): ProviderCall<Answer> => ({ kind: 'answered', answer }),
    (error: unknown): ProviderCall<Answer> =>
      controller.signal.aborted ? { kind: 'timed-out' } : { kind: 'failed', error },
  );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
