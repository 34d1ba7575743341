/**
 * Payments on a real database (PostgreSQL when configured): idempotency keys, declined and unanswered charges,
 * payments racing for one balance, refunds, and the ledger's consumers (bill issued, voided, claim approved, free
 * cancellation). The service is built by the subgraph's own composition root, as a request would get it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Principal } from '../../platform/auth/principal.ts';
import { newId } from '../../platform/db/base.entity.ts';
import type { Orm } from '../../platform/db/orm.ts';
import { createConsumer, type EventConsumer } from '../../platform/events/consumer.ts';
import { createEnvelope } from '../../platform/events/envelope.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { OutboxMessage } from '../../platform/events/outbox.entity.ts';
import { IdempotencyKey } from '../../platform/idempotency/idempotency-key.entity.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphRuntime } from '../../platform/subgraph.ts';
import { eventually } from '../../platform/testing/graph.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../../platform/testing/orm.ts';
import type { Context } from './context.ts';
import { BillLedger, Payment } from './payment.entity.ts';
import type { PaymentProvider } from './providers/payment-provider.ts';
import { createSimulatedOnlineProvider, SIMULATED_TOKENS } from './providers/simulated-online.provider.ts';
import { paymentsSubgraph } from './subgraph.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const online = createSimulatedOnlineProvider();
/** How the processor misbehaves in a test: a cancellation that never answers, refunds it refuses. */
const faults: { cancelHangs: boolean; refusesRefunds: boolean; chargeWaitsFor: Promise<void> | null } = {
  cancelHangs: false,
  refusesRefunds: false,
  chargeWaitsFor: null,
};
const processor: PaymentProvider = {
  name: 'faulty-simulated-online',
  charge: async (request, signal) => {
    await faults.chargeWaitsFor;
    return online.charge(request, signal);
  },
  refund: async (request, signal) =>
    faults.refusesRefunds ? { outcome: 'REFUSED', message: 'Refunds are down.' } : online.refund(request, signal),
  cancel: (reference, signal) =>
    faults.cancelHangs
      ? new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
      : online.cancel(reference, signal),
};
const definition = paymentsSubgraph({
  idempotency: { retentionHours: 24, waitMs: 300 },
  providerTimeoutMs: 1_000,
  onlineProvider: processor,
});

let handle: TestDatabaseHandle;
let orm: Orm;
let runtime: SubgraphRuntime;
const consumers = new Map<string, EventConsumer>();

beforeAll(async () => {
  handle = await openTestDatabase();
  orm = await handle.orm(definition);
  runtime = {
    orm,
    deps: { clock: () => new Date(), hospital: { currency: 'USD' }, logger },
  } as unknown as SubgraphRuntime;
  for (const spec of definition.consumers!(runtime)) {
    consumers.set(spec.topics[0]!, createConsumer({ ...spec, orm, transport: new InProcessTransport(), logger }));
  }
});
afterAll(async () => {
  await handle?.close();
});
afterEach(() => {
  Object.assign(faults, { cancelHangs: false, refusesRefunds: false, chargeWaitsFor: null });
});

const billing: Principal = { userId: newId(), roles: ['BILLING'] };
const patientOf = (patientId: string): Principal => ({ userId: newId(), roles: ['PATIENT'], patientId });

function as(principal: Principal, idempotencyKey: string | null = newId()): Context {
  return definition.createContext(
    { principal, correlationId: 'payments-int-test', requestId: newId(), idempotencyKey, logger },
    runtime,
  );
}

function deliver(topic: string, type: string, aggregateId: string, payload: Record<string, unknown>) {
  const event = createEnvelope({
    type,
    aggregateId,
    payload,
    actor: { userId: billing.userId, roles: ['BILLING'] },
    correlationId: 'payments-int-test',
  });
  return { event, outcome: consumers.get(topic)!.handle(topic, event) };
}

/** A bill billing has issued, as payments learns of it. */
async function issuedBill(total: number, options: { patientId?: string; appointmentId?: string } = {}) {
  const bill = {
    billId: newId(),
    patientId: options.patientId ?? newId(),
    appointmentId: options.appointmentId ?? null,
  };
  const { outcome } = deliver('billing-events', 'BillIssued', bill.billId, {
    ...bill,
    total: { amount: total, currency: 'USD' },
  });
  expect(await outcome).toBe('handled');
  return bill;
}

const ledger = (billId: string) => orm.em.fork().findOneOrFail(BillLedger, { billId });
const paymentsOf = (billId: string) => orm.em.fork().find(Payment, { billId }, { orderBy: { createdAt: 'asc' } });
const eventsOf = async (billId: string) =>
  (await orm.em.fork().find(OutboxMessage, { messageKey: billId }, { orderBy: { id: 'asc' } })).map((m) => m.type);
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: { code?: string }) => error.code,
  );

describe('payBill under an idempotency key', () => {
  it('charges once and returns the first result to a repeat with the same key', async () => {
    const bill = await issuedBill(10_000);
    const key = newId();
    const first = await as(billing, key).payments.pay({
      billId: bill.billId,
      amount: 4_000,
      method: 'CASH',
      paymentToken: null,
    });
    const again = await as(billing, key).payments.pay({
      billId: bill.billId,
      amount: 4_000,
      method: 'CASH',
      paymentToken: null,
    });
    expect(first.status).toBe('SUCCEEDED');
    expect(again).toEqual(first);
    expect(await paymentsOf(bill.billId)).toHaveLength(1);
    expect(await ledger(bill.billId)).toMatchObject({ paidAmount: 4_000, reservedAmount: 4_000, sequence: 1 });
    expect(await eventsOf(bill.billId)).toEqual(['PaymentSucceeded']);
  });

  it('refuses the same key for a different request and changes nothing', async () => {
    const bill = await issuedBill(10_000);
    const key = newId();
    await as(billing, key).payments.pay({ billId: bill.billId, amount: 1_000, method: 'CASH', paymentToken: null });
    const other = as(billing, key).payments.pay({
      billId: bill.billId,
      amount: 2_000,
      method: 'CASH',
      paymentToken: null,
    });
    expect(await codeOf(other)).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await paymentsOf(bill.billId)).toHaveLength(1);
    expect((await ledger(bill.billId)).paidAmount).toBe(1_000);
  });

  it('refuses a request without a key, recording nothing', async () => {
    const bill = await issuedBill(10_000);
    const unkeyed = as(billing, null).payments.pay({
      billId: bill.billId,
      amount: 1_000,
      method: 'CASH',
      paymentToken: null,
    });
    expect(await codeOf(unkeyed)).toBe('BAD_USER_INPUT');
    expect(await paymentsOf(bill.billId)).toHaveLength(0);
  });

  it('keeps each caller’s keys apart', async () => {
    const bill = await issuedBill(10_000);
    const key = newId();
    const other: Principal = { userId: newId(), roles: ['BILLING'] };
    await as(billing, key).payments.pay({ billId: bill.billId, amount: 1_000, method: 'CASH', paymentToken: null });
    await as(other, key).payments.pay({ billId: bill.billId, amount: 1_000, method: 'CASH', paymentToken: null });
    expect(await paymentsOf(bill.billId)).toHaveLength(2);
  });

  it('answers IDEMPOTENCY_KEY_IN_USE while the first request waits on the processor, then replays its outcome', async () => {
    const bill = await issuedBill(10_000);
    const key = newId();
    const input = {
      billId: bill.billId,
      amount: 3_000,
      method: 'ONLINE' as const,
      paymentToken: SIMULATED_TOKENS.TIMEOUT,
    };
    const first = as(billing, key).payments.pay(input);
    // The first request has reserved the amount once its payment row exists.
    await eventually(async () => (await paymentsOf(bill.billId)).length === 1);
    expect(await codeOf(as(billing, key).payments.pay(input))).toBe('IDEMPOTENCY_KEY_IN_USE');
    const failed = await first;
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'PROVIDER_TIMEOUT' });
    expect(await as(billing, key).payments.pay(input)).toEqual(failed);
    expect(await ledger(bill.billId)).toMatchObject({ paidAmount: 0, reservedAmount: 0 });
    expect(online.charges().filter((charge) => charge.reference === failed.reference)).toHaveLength(0);
    expect(await eventsOf(bill.billId)).toEqual(['PaymentFailed']);
  });

  it('records a declined card as FAILED and leaves the balance as it was', async () => {
    const bill = await issuedBill(10_000);
    const declined = await as(billing).payments.pay({
      billId: bill.billId,
      amount: 10_000,
      method: 'ONLINE',
      paymentToken: SIMULATED_TOKENS.DECLINE,
    });
    expect(declined).toMatchObject({ status: 'FAILED', failureCode: 'CARD_DECLINED' });
    expect(await ledger(bill.billId)).toMatchObject({ paidAmount: 0, reservedAmount: 0 });
    const paid = await as(billing).payments.pay({
      billId: bill.billId,
      amount: 10_000,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    expect(paid.status).toBe('SUCCEEDED');
    expect(online.charges().filter((charge) => charge.reference === paid.reference)).toHaveLength(1);
  });

  it('releases the key of a request refused before any money moved, so it can be retried', async () => {
    const bill = await issuedBill(1_000);
    const key = newId();
    const tooMuch = { billId: bill.billId, amount: 1_001, method: 'CASH' as const, paymentToken: null };
    expect(await codeOf(as(billing, key).payments.pay(tooMuch))).toBe('OVERPAYMENT');
    expect(await orm.em.fork().count(IdempotencyKey, { scope: billing.userId, key })).toBe(0);
  });
});

describe('who pays', () => {
  it('lets a patient pay their own bill online only', async () => {
    const patientId = newId();
    const bill = await issuedBill(5_000, { patientId });
    const patient = patientOf(patientId);
    const cash = as(patient).payments.pay({ billId: bill.billId, amount: 1_000, method: 'CASH', paymentToken: null });
    expect(await codeOf(cash)).toBe('FORBIDDEN');
    const paid = await as(patient).payments.pay({
      billId: bill.billId,
      amount: 1_000,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    expect(paid.status).toBe('SUCCEEDED');
  });

  it("refuses a patient paying someone else's bill", async () => {
    const bill = await issuedBill(5_000);
    const other = as(patientOf(newId())).payments.pay({
      billId: bill.billId,
      amount: 1_000,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    expect(await codeOf(other)).toBe('FORBIDDEN');
    expect(await paymentsOf(bill.billId)).toHaveLength(0);
  });
});

describe('racing payments', () => {
  it('never lets 200 concurrent payments with different keys pay more than the total', async () => {
    const bill = await issuedBill(15_000);
    const amounts = Array.from({ length: 200 }, (_unused, index) => 100 + (index % 7) * 50);
    const outcomes = await Promise.allSettled(
      amounts.map((amount) =>
        as(billing).payments.pay({ billId: bill.billId, amount, method: 'CARD', paymentToken: null }),
      ),
    );
    const paid = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.amount] : []));
    const refused = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as { code?: string }).code] : [],
    );
    const total = paid.reduce((sum, amount) => sum + amount, 0);
    expect(total).toBeLessThanOrEqual(15_000);
    expect(new Set(refused)).toEqual(new Set(['OVERPAYMENT']));
    // Whatever was refused did not fit: the smallest payment exceeds what is left.
    expect(15_000 - total).toBeLessThan(100);
    expect(await ledger(bill.billId)).toMatchObject({ paidAmount: total, reservedAmount: total });
    expect(await paymentsOf(bill.billId)).toHaveLength(paid.length);
  });
});

describe('refundPayment', () => {
  it('refunds in part, then the rest, and refuses more', async () => {
    const bill = await issuedBill(8_000);
    const paid = await as(billing).payments.pay({
      billId: bill.billId,
      amount: 8_000,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    const part = await as(billing).payments.refund({ paymentId: paid.id, amount: 3_000, reason: 'Overcharged' });
    expect(part).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 3_000 });
    const rest = await as(billing).payments.refund({ paymentId: paid.id, amount: null, reason: null });
    expect(rest).toMatchObject({ status: 'REFUNDED', refundedAmount: 8_000 });
    expect(await codeOf(as(billing).payments.refund({ paymentId: paid.id, amount: 1, reason: null }))).toBe(
      'PAYMENT_NOT_REFUNDABLE',
    );
    expect(await ledger(bill.billId)).toMatchObject({ paidAmount: 0, reservedAmount: 0, refundedAmount: 8_000 });
    expect(online.charges().find((charge) => charge.reference === paid.reference)?.refunded).toBe(8_000);
    expect(await eventsOf(bill.billId)).toEqual(['PaymentSucceeded', 'PaymentRefunded', 'PaymentRefunded']);
  });

  it('refuses a refund larger than what is left of the payment', async () => {
    const bill = await issuedBill(2_000);
    const paid = await as(billing).payments.pay({
      billId: bill.billId,
      amount: 2_000,
      method: 'CASH',
      paymentToken: null,
    });
    const tooMuch = as(billing).payments.refund({ paymentId: paid.id, amount: 2_001, reason: null });
    expect(await codeOf(tooMuch)).toBe('REFUND_EXCEEDS_PAYMENT');
    expect((await ledger(bill.billId)).paidAmount).toBe(2_000);
  });
});

describe("the ledger's consumers", () => {
  it('opens one ledger however often BillIssued arrives', async () => {
    const bill = await issuedBill(1_000);
    const { outcome } = deliver('billing-events', 'BillIssued', bill.billId, {
      ...bill,
      total: { amount: 9_999, currency: 'USD' },
    });
    expect(await outcome).toBe('handled');
    expect((await ledger(bill.billId)).totalAmount).toBe(1_000);
  });

  it('records one insurance payment per approved claim, at most the balance', async () => {
    const bill = await issuedBill(10_000);
    await as(billing).payments.pay({ billId: bill.billId, amount: 4_000, method: 'CASH', paymentToken: null });
    const claim = {
      claimId: newId(),
      billId: bill.billId,
      payer: 'Acme Health',
      approvedAmount: { amount: 7_000, currency: 'USD' },
    };
    const first = deliver('billing-events', 'InsuranceClaimApproved', bill.billId, claim);
    expect(await first.outcome).toBe('handled');
    // The same claim arriving again under a new event id (a re-published event) pays nothing more.
    expect(await deliver('billing-events', 'InsuranceClaimApproved', bill.billId, claim).outcome).toBe('handled');
    // And the same event redelivered is a duplicate.
    expect(await consumers.get('billing-events')!.handle('billing-events', first.event)).toBe('duplicate');
    const insurance = (await paymentsOf(bill.billId)).filter((payment) => payment.method === 'INSURANCE');
    expect(insurance).toHaveLength(1);
    expect(insurance[0]).toMatchObject({ amount: 6_000, status: 'SUCCEEDED', reference: `CLAIM-${claim.claimId}` });
    expect((await ledger(bill.billId)).paidAmount).toBe(10_000);
  });

  it('refunds a payment of a bill voided behind its back, and refuses payments after', async () => {
    const bill = await issuedBill(3_000);
    await as(billing).payments.pay({ billId: bill.billId, amount: 3_000, method: 'CARD', paymentToken: null });
    expect(await deliver('billing-events', 'BillVoided', bill.billId, { billId: bill.billId }).outcome).toBe('handled');
    expect(await ledger(bill.billId)).toMatchObject({ status: 'VOID', paidAmount: 0, refundedAmount: 3_000 });
    const after = as(billing).payments.pay({ billId: bill.billId, amount: 1, method: 'CASH', paymentToken: null });
    expect(await codeOf(after)).toBe('BILL_VOID');
  });

  it('refunds in full what was paid for an appointment cancelled more than 2 h ahead, and nothing for a late one', async () => {
    const [free, late] = [newId(), newId()];
    const freeBill = await issuedBill(5_000, { appointmentId: free });
    const lateBill = await issuedBill(5_000, { appointmentId: late });
    for (const bill of [freeBill, lateBill]) {
      await as(billing).payments.pay({
        billId: bill.billId,
        amount: 2_000,
        method: 'ONLINE',
        paymentToken: 'tok_visa',
      });
      await as(billing).payments.pay({ billId: bill.billId, amount: 3_000, method: 'CASH', paymentToken: null });
    }
    await deliver('appointment-events', 'AppointmentCancelled', free, { appointmentId: free, band: 'FREE' }).outcome;
    await deliver('appointment-events', 'AppointmentCancelled', late, { appointmentId: late, band: 'LATE' }).outcome;
    expect((await paymentsOf(freeBill.billId)).map((payment) => payment.status)).toEqual(['REFUNDED', 'REFUNDED']);
    expect(await ledger(freeBill.billId)).toMatchObject({ paidAmount: 0, refundedAmount: 5_000 });
    expect((await ledger(lateBill.billId)).paidAmount).toBe(5_000);
  });
});

describe('when the processor fails us', () => {
  it('keeps a charge it neither answered nor let us cancel PENDING, holding its amount and its key', async () => {
    faults.cancelHangs = true;
    const bill = await issuedBill(5_000);
    const key = newId();
    const input = {
      billId: bill.billId,
      amount: 5_000,
      method: 'ONLINE' as const,
      paymentToken: SIMULATED_TOKENS.TIMEOUT,
    };
    expect(await codeOf(as(billing, key).payments.pay(input))).toBe('PAYMENT_OUTCOME_UNKNOWN');
    expect((await paymentsOf(bill.billId)).map((payment) => payment.status)).toEqual(['PENDING']);
    expect(await ledger(bill.billId)).toMatchObject({ reservedAmount: 5_000, paidAmount: 0 });
    // Neither a retry under the key nor another payment can charge again while the outcome is unknown.
    expect(await codeOf(as(billing, key).payments.pay(input))).toBe('IDEMPOTENCY_KEY_IN_USE');
    const other = as(billing).payments.pay({ ...input, paymentToken: 'tok_visa' });
    expect(await codeOf(other)).toBe('OVERPAYMENT');
  });

  it('refunds a charge that succeeded on a bill voided while it ran', async () => {
    const bill = await issuedBill(2_000);
    let answer!: () => void;
    faults.chargeWaitsFor = new Promise((resolve) => (answer = resolve));
    const paying = as(billing).payments.pay({
      billId: bill.billId,
      amount: 2_000,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    // The amount is reserved and the processor is thinking when the bill is voided.
    await eventually(async () => (await paymentsOf(bill.billId)).length === 1);
    expect(await deliver('billing-events', 'BillVoided', bill.billId, { billId: bill.billId }).outcome).toBe('handled');
    answer();
    const paid = await paying;
    await eventually(async () => (await ledger(bill.billId)).refundedAmount === 2_000);
    expect(await ledger(bill.billId)).toMatchObject({ status: 'VOID', paidAmount: 0, reservedAmount: 0 });
    expect(online.charges().find((charge) => charge.reference === paid.reference)?.refunded).toBe(2_000);
  });

  it('closes a voided bill even when the processor refuses its refund, leaving the payment for staff', async () => {
    const bill = await issuedBill(1_500);
    await as(billing).payments.pay({ billId: bill.billId, amount: 1_500, method: 'ONLINE', paymentToken: 'tok_visa' });
    faults.refusesRefunds = true;
    expect(await deliver('billing-events', 'BillVoided', bill.billId, { billId: bill.billId }).outcome).toBe('handled');
    expect(await ledger(bill.billId)).toMatchObject({ status: 'VOID', paidAmount: 1_500 });
    expect((await paymentsOf(bill.billId))[0]!.status).toBe('SUCCEEDED');
  });

  it('closes the bills of an appointment cancelled more than 2 h ahead to further payments', async () => {
    const appointmentId = newId();
    const bill = await issuedBill(4_000, { appointmentId });
    await deliver('appointment-events', 'AppointmentCancelled', appointmentId, { appointmentId, band: 'FREE' }).outcome;
    const late = as(billing).payments.pay({ billId: bill.billId, amount: 100, method: 'CASH', paymentToken: null });
    expect(await codeOf(late)).toBe('BILL_VOID');
  });
});
