/**
 * A stand-in for an online card processor, for development and tests: it behaves like one (idempotent by reference,
 * declines, never-answered requests, refunds no larger than the charge) without moving money. Payment tokens steer
 * it, as processors' test cards do:
 *
 * - `tok_decline`: the card is declined (`CARD_DECLINED`);
 * - `tok_timeout`: the processor never answers (until the caller's deadline aborts the request);
 * - any other token: approved.
 *
 * It keeps its charges in memory, so `charges()` lets tests check what the processor really took.
 */
import { randomUUID } from 'node:crypto';
import { FailureCode } from '../payment.rules.ts';
import type { ChargeResult, PaymentProvider } from './payment-provider.ts';

export const SIMULATED_TOKENS = { DECLINE: 'tok_decline', TIMEOUT: 'tok_timeout' } as const;

interface SimulatedCharge {
  reference: string;
  providerReference: string;
  amount: number;
  refunded: number;
  cancelled: boolean;
}

export interface SimulatedOnlineProvider extends PaymentProvider {
  /** What the processor holds: every approved charge that was not cancelled, with its refunds. */
  charges(): readonly Readonly<SimulatedCharge>[];
}

/** Resolves never; rejects when `signal` aborts, as an HTTP client would. */
function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const abort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

export function createSimulatedOnlineProvider(): SimulatedOnlineProvider {
  const byReference = new Map<string, SimulatedCharge>();
  /** Refunds by their reference: a retried refund is answered again, not paid twice. */
  const refunds = new Map<string, string>();
  return {
    name: 'simulated-online',
    async charge(request, signal): Promise<ChargeResult> {
      const earlier = byReference.get(request.reference);
      if (earlier && !earlier.cancelled) return { outcome: 'APPROVED', providerReference: earlier.providerReference };
      if (request.paymentToken === SIMULATED_TOKENS.TIMEOUT) return hang(signal);
      if (request.paymentToken === SIMULATED_TOKENS.DECLINE) {
        return { outcome: 'DECLINED', code: FailureCode.CARD_DECLINED, message: 'The card was declined.' };
      }
      const charge = {
        reference: request.reference,
        providerReference: `sim_ch_${randomUUID()}`,
        amount: request.amount,
        refunded: 0,
        cancelled: false,
      };
      byReference.set(request.reference, charge);
      return { outcome: 'APPROVED', providerReference: charge.providerReference };
    },
    async refund(request) {
      const earlier = refunds.get(request.reference);
      if (earlier) return { outcome: 'REFUNDED', providerReference: earlier };
      const charge = byReference.get(request.paymentReference);
      if (!charge || charge.cancelled) return { outcome: 'REFUSED', message: 'No such charge at the processor.' };
      if (charge.refunded + request.amount > charge.amount) {
        return { outcome: 'REFUSED', message: 'The refund exceeds what is left of the charge.' };
      }
      charge.refunded += request.amount;
      const providerReference = `sim_re_${randomUUID()}`;
      refunds.set(request.reference, providerReference);
      return { outcome: 'REFUNDED', providerReference };
    },
    async cancel(reference) {
      const charge = byReference.get(reference);
      if (charge) charge.cancelled = true;
    },
    charges: () => [...byReference.values()].filter((charge) => !charge.cancelled),
  };
}
