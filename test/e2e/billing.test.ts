/**
 * Billing and payments through the gateway, as the patient portal and the billing console use them: the bill a
 * completed visit produces (with its tax) paid to `PAID` and read back with its payments and balance in one federated
 * query; the late-cancellation and no-show bills; insurance; voids and refunds; and payments under idempotency keys,
 * including bursts of retries and payments racing for one balance.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { GraphClient, GraphResponse } from '../../platform/graphql/client.ts';
import { eventually, startTestGraph, type TestGraph } from '../../platform/testing/graph.ts';
import {
  createSimulatedOnlineProvider,
  SIMULATED_TOKENS,
} from '../../subgraphs/payments/providers/simulated-online.provider.ts';
import {
  aDepartment,
  aDoctorWithAccount,
  aSignedUpPatient,
  aStaffMember,
  BOOK,
  slotAt,
  untilBillable,
  untilBookable,
  untilPayable,
} from '../builders.ts';

/** The processor behind `ONLINE` payments, kept here so the tests can see what it really charged. */
const processor = createSimulatedOnlineProvider();
/** A charge left unanswered is abandoned after this long; repeats wait up to 5 s (the default) for the first. */
const PROVIDER_TIMEOUT_MS = 7_000;

let fixed: Date | undefined;
let graph: TestGraph;
let admin: GraphClient;
let billing: GraphClient;
let reception: GraphClient;
let doctor: Awaited<ReturnType<typeof aDoctorWithAccount>>;

beforeAll(async () => {
  graph = await startTestGraph({
    clock: () => fixed ?? new Date(),
    payments: {
      idempotency: { retentionHours: 24, waitMs: 5_000 },
      providerTimeoutMs: PROVIDER_TIMEOUT_MS,
      onlineProvider: processor,
    },
  });
  admin = await graph.admin();
  billing = (await aStaffMember(admin, ['BILLING'])).client;
  reception = (await aStaffMember(admin, ['RECEPTION'])).client;
  const department = await aDepartment(admin);
  // 83.90: 5 % of it is 4.195, a half cent that rounds up.
  doctor = await aDoctorWithAccount(graph, admin, department.id, { consultationFeeAmount: 8_390 });
});
afterAll(async () => {
  await graph?.stop();
});
afterEach(() => {
  fixed = undefined;
});

const code = (response: GraphResponse<unknown>) => response.errors?.[0]?.extensions?.code;
let nextSlot = 0;
const slot = () => slotAt(3 + Math.floor(nextSlot / 6), 9 + (nextSlot++ % 6));

const BILL = `id number kind status subtotal { amount currency } tax { amount } total { amount }
  lineItems { description quantity unitPrice { amount } amount { amount } }
  amountPaid { amount } balanceDue { amount } payments { amount { amount } method status }`;

interface BillView {
  id: string;
  kind: string;
  status: string;
  subtotal: { amount: number; currency: string };
  tax: { amount: number };
  total: { amount: number };
  amountPaid: { amount: number };
  balanceDue: { amount: number };
  payments: { amount: { amount: number }; method: string; status: string }[];
}

const readBill = async (id: string): Promise<BillView> =>
  (await admin.data<{ bill: BillView }>(`query($id: ID!) { bill(id: $id) { ${BILL} } }`, { id })).bill;

/** The automatic bill of an appointment, once billing has issued it. */
const billOf = (appointmentId: string) =>
  eventually(async () => {
    const data = await admin.data<{ appointment: { bill: BillView | null } }>(
      `query($id: ID!) { appointment(id: $id) { bill { ${BILL} } } }`,
      { id: appointmentId },
    );
    return data.appointment.bill;
  });

const PAY = `mutation($input: PayBillInput!) {
  payBill(input: $input) { id amount { amount currency } method status reference failureCode bill { id } }
}`;
const pay = (client: GraphClient, input: Record<string, unknown>, key: string | null = randomUUID()) =>
  client.request<{ payBill: { id: string; status: string; reference: string; failureCode: string | null } }>(
    PAY,
    { input },
    key === null ? {} : { 'Idempotency-Key': key },
  );

/** A bill of manual items for a patient, payable once payments has opened its ledger. */
async function aManualBill(patientId: string, unitPrice: number, appointmentId?: string): Promise<BillView> {
  const data = await billing.data<{ createBill: BillView }>(
    `mutation($input: CreateBillInput!) { createBill(input: $input) { ${BILL} } }`,
    {
      input: {
        patientId,
        ...(appointmentId ? { appointmentId } : {}),
        lineItems: [{ description: 'Echocardiogram', code: 'ECHO', unitPrice }],
      },
    },
  );
  await untilPayable(graph, data.createBill.id);
  return data.createBill;
}

async function aPatient() {
  const patient = await aSignedUpPatient(graph);
  await untilBookable(graph, { patientIds: [patient.patientId] });
  await untilBillable(graph, { patientIds: [patient.patientId] });
  return patient;
}

async function aBookedAppointment(client: GraphClient, patientId: string): Promise<{ id: string; startsAt: string }> {
  const startsAt = slot();
  const data = await client.data<{ bookAppointment: { id: string; startsAt: string } }>(BOOK, {
    input: { patientId, doctorId: doctor.id, departmentId: doctor.departmentId, startsAt },
  });
  await untilBillable(graph, { appointmentIds: [data.bookAppointment.id] });
  return data.bookAppointment;
}

const step = (client: GraphClient, mutation: string, id: string) =>
  client.data<Record<string, { status: string }>>(`mutation($id: ID!) { ${mutation}(id: $id) { status } }`, { id });

describe('the bill of a visit', () => {
  it('book → accept → check in → complete → a taxed bill on Patient.bills → pay → PAID, in one federated query', async () => {
    const patient = await aPatient();
    const appointment = await aBookedAppointment(patient.client, patient.patientId);
    await step(doctor.client, 'acceptAppointment', appointment.id);
    await step(reception, 'checkInAppointment', appointment.id);
    await step(doctor.client, 'completeAppointment', appointment.id);

    const bills = await eventually(async () => {
      const data = await patient.client.data<{ patient: { bills: { edges: { node: BillView }[] } } }>(
        `query($id: ID!) { patient(id: $id) { bills { edges { node { ${BILL} } } } } }`,
        { id: patient.patientId },
      );
      return data.patient.bills.edges.length > 0 ? data.patient.bills.edges : null;
    });
    expect(bills).toHaveLength(1);
    const bill = bills[0]!.node;
    expect(bill).toMatchObject({
      kind: 'CONSULTATION',
      status: 'ISSUED',
      subtotal: { amount: 8_390, currency: 'USD' },
      tax: { amount: 420 },
      total: { amount: 8_810 },
    });
    await untilPayable(graph, bill.id);

    const paid = await pay(patient.client, {
      billId: bill.id,
      amount: 8_810,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    expect(paid.errors).toBeUndefined();
    expect(paid.data?.payBill.status).toBe('SUCCEEDED');

    const settled = await eventually(async () => {
      const data = await patient.client.data<{ bill: BillView }>(`query($id: ID!) { bill(id: $id) { ${BILL} } }`, {
        id: bill.id,
      });
      return data.bill.status === 'PAID' ? data.bill : null;
    });
    expect(settled).toMatchObject({
      amountPaid: { amount: 8_810 },
      balanceDue: { amount: 0 },
      payments: [{ amount: { amount: 8_810 }, method: 'ONLINE', status: 'SUCCEEDED' }],
    });
  });

  it('bills half the fee for a late cancellation and the whole fee for a no-show', async () => {
    const patient = await aPatient();
    const late = await aBookedAppointment(admin, patient.patientId);
    fixed = new Date(Date.parse(late.startsAt) - 60 * 60_000);
    await step(admin, 'cancelAppointment', late.id);
    // 41.95 + 5 % (2.0975, rounded up to 2.10)
    expect(await billOf(late.id)).toMatchObject({
      kind: 'LATE_CANCELLATION',
      subtotal: { amount: 4_195 },
      total: { amount: 4_405 },
    });

    fixed = undefined;
    const missed = await aBookedAppointment(admin, patient.patientId);
    await step(doctor.client, 'acceptAppointment', missed.id);
    fixed = new Date(Date.parse(missed.startsAt) + 15 * 60_000);
    await step(reception, 'markNoShow', missed.id);
    expect(await billOf(missed.id)).toMatchObject({
      kind: 'NO_SHOW',
      subtotal: { amount: 8_390 },
      total: { amount: 8_810 },
    });
  });

  it('refunds in full, automatically, what was paid for an appointment cancelled more than 2 h ahead', async () => {
    const patient = await aPatient();
    const appointment = await aBookedAppointment(patient.client, patient.patientId);
    const deposit = await aManualBill(patient.patientId, 5_000, appointment.id);
    const paid = await pay(patient.client, {
      billId: deposit.id,
      amount: 5_250,
      method: 'ONLINE',
      paymentToken: 'tok_visa',
    });
    expect(paid.data?.payBill.status).toBe('SUCCEEDED');
    await eventually(async () => (await readBill(deposit.id)).status === 'PAID');

    await step(patient.client, 'cancelAppointment', appointment.id);
    const refunded = await eventually(async () => {
      const bill = await readBill(deposit.id);
      return bill.status === 'REFUNDED' ? bill : null;
    });
    expect(refunded).toMatchObject({ amountPaid: { amount: 0 }, payments: [{ status: 'REFUNDED' }] });
    const charge = processor.charges().find((candidate) => candidate.reference === paid.data!.payBill.reference);
    expect(charge?.refunded).toBe(5_250);
  });
});

describe('billing staff', () => {
  it('voids an unpaid bill, refuses to void a paid one, and refunds a payment instead', async () => {
    const patient = await aPatient();
    const unpaid = await aManualBill(patient.patientId, 1_000);
    const voided = await billing.request<{ voidBill: { status: string } }>(
      'mutation($id: ID!) { voidBill(id: $id, reason: "Entered twice") { status } }',
      { id: unpaid.id },
    );
    expect(voided.data?.voidBill.status).toBe('VOID');
    await eventually(
      async () => code(await pay(billing, { billId: unpaid.id, amount: 100, method: 'CASH' })) === 'BILL_VOID',
    );

    const paidBill = await aManualBill(patient.patientId, 2_000);
    const payment = await pay(billing, { billId: paidBill.id, amount: 2_100, method: 'CASH' });
    await eventually(async () => (await readBill(paidBill.id)).status === 'PAID');
    const refused = await billing.request('mutation($id: ID!) { voidBill(id: $id) { status } }', { id: paidBill.id });
    expect(code(refused)).toBe('BILL_ALREADY_PAID');

    const refund = await billing.request<{ refundPayment: { status: string } }>(
      'mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { status } }',
      { input: { paymentId: payment.data!.payBill.id, reason: 'Paid by mistake' } },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(refund.data?.refundPayment.status).toBe('REFUNDED');
    expect(await eventually(async () => (await readBill(paidBill.id)).status === 'REFUNDED')).toBe(true);
  });

  it('claims insurance, and an approved claim pays its share', async () => {
    const patient = await aPatient();
    const bill = await aManualBill(patient.patientId, 10_000);
    const claim = await billing.data<{ submitInsuranceClaim: { id: string; status: string } }>(
      `mutation($input: SubmitInsuranceClaimInput!) { submitInsuranceClaim(input: $input) { id status } }`,
      { input: { billId: bill.id, payer: 'Acme Health', policyNumber: 'AH-123' } },
    );
    expect(claim.submitInsuranceClaim.status).toBe('SUBMITTED');
    await billing.data(
      `mutation($input: DecideInsuranceClaimInput!) { decideInsuranceClaim(input: $input) { status } }`,
      { input: { claimId: claim.submitInsuranceClaim.id, decision: 'APPROVED', approvedAmount: 6_000 } },
    );
    const shared = await eventually(async () => {
      const current = await readBill(bill.id);
      return current.status === 'PARTIALLY_PAID' ? current : null;
    });
    expect(shared).toMatchObject({
      amountPaid: { amount: 6_000 },
      balanceDue: { amount: 4_500 },
      payments: [{ method: 'INSURANCE', amount: { amount: 6_000 } }],
    });
    await pay(patient.client, { billId: bill.id, amount: 4_500, method: 'ONLINE', paymentToken: 'tok_visa' });
    expect(await eventually(async () => (await readBill(bill.id)).status === 'PAID')).toBe(true);
  });
});

describe('payments under an Idempotency-Key', () => {
  it('charges exactly once for 1,000 concurrent payBill calls with one key, answering each identically', async () => {
    const patient = await aPatient();
    const bill = await aManualBill(patient.patientId, 20_000);
    const key = randomUUID();
    const input = { billId: bill.id, amount: 21_000, method: 'ONLINE', paymentToken: 'tok_visa' };
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 1_000 }, () => pay(billing, input, key)));
    const elapsed = performance.now() - started;
    const bodies = new Set(
      responses.map((response) => JSON.stringify({ data: response.data, errors: response.errors })),
    );
    expect(bodies.size).toBe(1);
    const payment = responses[0]!.data!.payBill;
    expect(payment.status).toBe('SUCCEEDED');
    expect(processor.charges().filter((charge) => charge.reference === payment.reference)).toHaveLength(1);
    const settled = await eventually(async () => {
      const current = await readBill(bill.id);
      return current.status === 'PAID' ? current : null;
    });
    expect(settled.payments).toHaveLength(1);
    // The figure the closing note reports.
    console.info(`1,000 concurrent payBill calls with one key: ${Math.round(elapsed)} ms, one charge`);
  }, 120_000);

  it('lets 200 payments with different keys race for one balance without ever paying more than the total', async () => {
    const patient = await aPatient();
    const bill = await aManualBill(patient.patientId, 10_000); // total 105.00
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => pay(billing, { billId: bill.id, amount: 100, method: 'CARD' })),
    );
    const succeeded = responses.filter((response) => response.data?.payBill.status === 'SUCCEEDED');
    const refused = responses.filter((response) => code(response) === 'OVERPAYMENT');
    expect(succeeded).toHaveLength(105);
    expect(refused).toHaveLength(95);
    const settled = await eventually(async () => {
      const current = await readBill(bill.id);
      return current.status === 'PAID' ? current : null;
    });
    expect(settled).toMatchObject({ amountPaid: { amount: 10_500 }, balanceDue: { amount: 0 } });
    expect(settled.payments).toHaveLength(105);
    console.info(`200 racing payments for one balance: ${succeeded.length} succeeded, ${refused.length} OVERPAYMENT`);
  }, 60_000);

  it('answers each idempotency error with its code, and a declined or unanswered charge leaves the bill unpaid', async () => {
    const patient = await aPatient();
    const bill = await aManualBill(patient.patientId, 3_000);
    const input = { billId: bill.id, amount: 3_150, method: 'ONLINE', paymentToken: SIMULATED_TOKENS.DECLINE };

    expect(code(await pay(patient.client, input, null))).toBe('BAD_USER_INPUT');

    const key = randomUUID();
    const declined = await pay(patient.client, input, key);
    expect(declined.data?.payBill).toMatchObject({ status: 'FAILED', failureCode: 'CARD_DECLINED' });
    expect(code(await pay(patient.client, { ...input, amount: 100 }, key))).toBe('IDEMPOTENCY_KEY_REUSED');

    const slowKey = randomUUID();
    const unanswered = { ...input, paymentToken: SIMULATED_TOKENS.TIMEOUT };
    const first = pay(patient.client, unanswered, slowKey);
    await eventually(async () => (await readBill(bill.id)).payments.some((payment) => payment.status === 'PENDING'));
    expect(code(await pay(patient.client, unanswered, slowKey))).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect((await first).data?.payBill).toMatchObject({ status: 'FAILED', failureCode: 'PROVIDER_TIMEOUT' });

    const after = await eventually(async () => {
      const current = await readBill(bill.id);
      return current.payments.every((payment) => payment.status === 'FAILED') ? current : null;
    });
    expect(after).toMatchObject({ status: 'ISSUED', amountPaid: { amount: 0 }, balanceDue: { amount: 3_150 } });
    expect(after.payments).toHaveLength(2);
  }, 30_000);
});
