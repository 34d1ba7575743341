/**
 * Bills and insurance claims as billing staff and patients use them, on a real database (PostgreSQL when
 * configured), through the services the subgraph's own context factory builds: manual bills and their numbers under
 * concurrency, voids, the claim rules, who reads which bill, billing history pages, and the CHECK constraints that
 * hold the amounts together even against a write that skips the services.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import { Bill, InsuranceClaim } from './bill.entity.ts';
import type { CreateBillInput } from './bill.inputs.ts';
import {
  billingClerk,
  ledgerEvent,
  NOW,
  openBillingTestBed,
  outboxOf,
  patientEvent,
  patientUser,
  type BillingTestBed,
} from './billing.fixtures.ts';

let bed: BillingTestBed;

beforeAll(async () => {
  bed = await openBillingTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const clerk = () => bed.as(billingClerk());
const reload = (billId: string) => bed.orm.em.fork().findOneOrFail(Bill, { id: billId });

/** A patient billing may bill (registered through `patient-events`). */
async function aPatient(): Promise<string> {
  const patientId = newId();
  expect(await bed.deliver('patient-events', patientEvent(patientId))).toBe('handled');
  return patientId;
}

const manualBill = (patientId: string, overrides: Partial<CreateBillInput> = {}): CreateBillInput => ({
  patientId,
  appointmentId: null,
  lineItems: [
    { description: 'Echocardiogram', code: 'ECHO', quantity: 2, unitPrice: 1_999 },
    { description: 'Bandage', code: null, quantity: 1, unitPrice: 10 },
  ],
  note: null,
  ...overrides,
});

/** A bill of `unitPrice` (+ 5 %) for a new patient. */
async function anIssuedBill(unitPrice = 10_000): Promise<Bill> {
  const patientId = await aPatient();
  return clerk().bills.create(
    manualBill(patientId, { lineItems: [{ description: 'MRI', code: null, quantity: 1, unitPrice }] }),
  );
}

describe('manual bills', () => {
  it('are priced exactly, numbered B-<year>-<6 digits> and announced with BillIssued', async () => {
    const patientId = await aPatient();
    const bill = await clerk().bills.create(manualBill(patientId, { note: 'Cardiology work-up' }));
    // 2 × 19.99 + 0.10 = 40.08; 5 % = 2.004 → 2.00
    expect(await reload(bill.id)).toMatchObject({
      kind: 'MANUAL',
      status: 'ISSUED',
      currency: 'USD',
      subtotalAmount: 4_008,
      taxAmount: 200,
      totalAmount: 4_208,
      note: 'Cardiology work-up',
      issuedAt: NOW,
    });
    expect(bill.number).toMatch(/^B-2026-\d{6}$/);
    const lines = await clerk().loaders.lineItemsByBill.load(bill.id);
    expect(lines.map((line) => [line.position, line.quantity, line.unitPriceAmount, line.amount])).toEqual([
      [1, 2, 1_999, 3_998],
      [2, 1, 10, 10],
    ]);
    const issued = await outboxOf(bed.orm, bill.id);
    expect(issued).toMatchObject([{ type: 'BillIssued', payload: { total: { amount: 4_208, currency: 'USD' } } }]);
  });

  it('get distinct numbers when 20 are issued at once', async () => {
    const patientId = await aPatient();
    const bills = await Promise.all(Array.from({ length: 20 }, () => clerk().bills.create(manualBill(patientId))));
    const numbers = bills.map((bill) => bill.number);
    expect(new Set(numbers).size).toBe(20);
    const sequences = numbers.map((number) => Number(number.slice('B-2026-'.length))).sort((a, b) => a - b);
    expect(sequences.at(-1)! - sequences[0]!).toBe(19);
  });

  it('start a new count in a new year of the hospital calendar', async () => {
    const patientId = await aPatient();
    bed.setNow(new Date('2027-01-01T00:00:01Z'));
    try {
      expect((await clerk().bills.create(manualBill(patientId))).number).toBe('B-2027-000001');
    } finally {
      bed.setNow(NOW);
    }
  });

  it('are refused, writing nothing, for an unknown or archived patient or a total above 2,147,483,647', async () => {
    const archived = await aPatient();
    await bed.deliver('patient-events', patientEvent(archived, false, 'PatientArchived'));
    const unknown = newId();
    const tooMuch = Array.from({ length: 22 }, () => ({
      description: 'Surgery',
      code: null,
      quantity: 1,
      unitPrice: 100_000_000,
    }));
    const known = await aPatient();
    for (const [input, field] of [
      [manualBill(unknown), 'input.patientId'],
      [manualBill(archived), 'input.patientId'],
      [manualBill(known, { lineItems: tooMuch }), 'input.lineItems'],
    ] as const) {
      await expect(clerk().bills.create(input)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field } });
    }
    expect(await bed.orm.em.fork().count(Bill, { patientId: { $in: [unknown, archived, known] } })).toBe(0);
  });

  it('may be issued by billing staff and admins only', async () => {
    const patientId = await aPatient();
    await expect(bed.as(patientUser(patientId)).bills.create(manualBill(patientId))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const admin = bed.as({ userId: newId(), roles: ['ADMIN'] });
    expect((await admin.bills.create(manualBill(patientId))).status).toBe('ISSUED');
  });
});

describe('voiding', () => {
  it('voids an unpaid bill once; voiding it again is BILL_VOID and emits nothing more', async () => {
    const bill = await anIssuedBill();
    const voided = await clerk().bills.void(bill.id, 'Entered twice');
    expect(voided).toMatchObject({ status: 'VOID', voidReason: 'Entered twice', voidedAt: NOW });
    await expect(clerk().bills.void(bill.id, null)).rejects.toMatchObject({ code: 'BILL_VOID' });
    const events = await outboxOf(bed.orm, bill.id, 'BillVoided');
    expect(events).toMatchObject([{ payload: { billId: bill.id, status: 'VOID', reason: 'Entered twice' } }]);
  });

  it('refuses to void a paid bill with BILL_ALREADY_PAID, and changes nothing', async () => {
    const bill = await anIssuedBill();
    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 10_500, sequence: 1 }));
    const before = await reload(bill.id);
    await expect(clerk().bills.void(bill.id, 'Too late')).rejects.toMatchObject({ code: 'BILL_ALREADY_PAID' });
    const after = await reload(bill.id);
    expect(after).toMatchObject({ status: 'PAID', voidedAt: null, voidReason: null, version: before.version });
    expect(await outboxOf(bed.orm, bill.id, 'BillVoided')).toHaveLength(0);
  });

  it('answers NOT_FOUND for an unknown bill and FORBIDDEN for a patient', async () => {
    await expect(clerk().bills.void(newId(), null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bill = await anIssuedBill();
    await expect(bed.as(patientUser(bill.patientId)).bills.void(bill.id, null)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await reload(bill.id)).status).toBe('ISSUED');
  });
});

describe('insurance claims', () => {
  const submit = (billId: string, amount: number | null = null) =>
    clerk().claims.submit({ billId, payer: 'Acme Health', policyNumber: 'AH-123', amount });
  const decide = (claimId: string, decision: 'APPROVED' | 'DENIED', approvedAmount: number | null = null) =>
    clerk().claims.decide({ claimId, decision, approvedAmount, reason: null });

  it('claim the total by default, and a second open claim is CLAIM_ALREADY_OPEN', async () => {
    const bill = await anIssuedBill();
    const claim = await submit(bill.id);
    expect(claim).toMatchObject({ status: 'SUBMITTED', claimedAmount: 10_500, currency: 'USD' });
    await expect(submit(bill.id, 100)).rejects.toMatchObject({ code: 'CLAIM_ALREADY_OPEN' });
    expect(await bed.orm.em.fork().count(InsuranceClaim, { bill: bill.id })).toBe(1);
    expect(await outboxOf(bed.orm, bill.id, 'InsuranceClaimSubmitted')).toMatchObject([
      { payload: { claimId: claim.id, billId: bill.id, claimedAmount: { amount: 10_500 } } },
    ]);
  });

  it('let exactly one of ten concurrent submissions open a claim', async () => {
    const bill = await anIssuedBill();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => submit(bill.id)));
    const refusals = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as { code?: string }).code] : [],
    );
    expect(outcomes.length - refusals.length).toBe(1);
    expect(new Set(refusals)).toEqual(new Set(['CLAIM_ALREADY_OPEN']));
    expect(await bed.orm.em.fork().count(InsuranceClaim, { bill: bill.id })).toBe(1);
  });

  it('may follow a denied claim with a new one; an approval pays its share and then blocks a void', async () => {
    const bill = await anIssuedBill();
    const denied = await decide((await submit(bill.id)).id, 'DENIED');
    expect(denied).toMatchObject({ status: 'DENIED', approvedAmount: null, decidedAt: NOW });
    await expect(decide(denied.id, 'APPROVED', 100)).rejects.toMatchObject({ code: 'CLAIM_ALREADY_DECIDED' });

    const second = await submit(bill.id, 8_000);
    await expect(decide(second.id, 'APPROVED', 8_001)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const approved = await decide(second.id, 'APPROVED', 6_000);
    expect(approved).toMatchObject({ status: 'APPROVED', approvedAmount: 6_000 });
    expect(await outboxOf(bed.orm, bill.id, 'InsuranceClaimApproved')).toMatchObject([
      { payload: { claimId: second.id, billId: bill.id, payer: 'Acme Health', approvedAmount: { amount: 6_000 } } },
    ]);
    expect(await outboxOf(bed.orm, bill.id, 'InsuranceClaimDenied')).toHaveLength(1);

    await expect(clerk().bills.void(bill.id, null)).rejects.toMatchObject({ code: 'BILL_ALREADY_PAID' });
    await expect(submit(bill.id)).rejects.toMatchObject({ code: 'CLAIM_ALREADY_OPEN' });
    expect((await clerk().loaders.latestClaimByBill.load(bill.id))?.id).toBe(second.id);
  });

  it('are refused on a void bill (BILL_VOID), a paid one (BILL_ALREADY_PAID) and above the total', async () => {
    const voided = await anIssuedBill();
    await clerk().bills.void(voided.id, null);
    await expect(submit(voided.id)).rejects.toMatchObject({ code: 'BILL_VOID' });

    const paid = await anIssuedBill();
    await bed.deliver('payment-events', ledgerEvent(paid.id, { amountPaid: 10_500, sequence: 1 }));
    await expect(submit(paid.id)).rejects.toMatchObject({ code: 'BILL_ALREADY_PAID' });

    const issued = await anIssuedBill();
    await expect(submit(issued.id, 10_501)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'input.amount' },
    });
    const claims = await bed.orm.em.fork().count(InsuranceClaim, { bill: { $in: [voided.id, paid.id, issued.id] } });
    expect(claims).toBe(0);
  });

  it('keep one open claim per bill in the database even for a write that skips the service', async () => {
    const bill = await anIssuedBill();
    await submit(bill.id);
    const em = bed.orm.em.fork();
    em.create(InsuranceClaim, {
      bill: bill.id,
      payer: 'Other',
      policyNumber: 'O-1',
      status: 'SUBMITTED',
      currency: 'USD',
      claimedAmount: 100,
      approvedAmount: null,
      decisionReason: null,
      submittedAt: NOW,
      decidedAt: null,
    });
    await expect(em.flush()).rejects.toMatchObject({ constraint: 'insurance_claim_open_key' });
  });
});

describe('reading bills', () => {
  it('shows patients their own bills only, and billing staff everyone’s', async () => {
    const mine = await anIssuedBill();
    const theirs = await anIssuedBill();
    const patient = bed.as(patientUser(mine.patientId));
    expect((await patient.bills.get(mine.id))?.id).toBe(mine.id);
    await expect(patient.bills.get(theirs.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await clerk().bills.get(theirs.id)).not.toBeNull();
    expect(await clerk().bills.get(newId())).toBeNull();

    // The filter's patient is ignored for a patient: only their own bills come back.
    const listed = await patient.bills.list({ patientId: theirs.patientId }, {});
    expect(listed.edges.map((edge) => edge.node.id)).toEqual([mine.id]);
    await expect(patient.bills.listOfPatient(theirs.patientId, null, {})).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(bed.as({ userId: newId(), roles: ['DOCTOR'] }).bills.list({}, {})).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('pages billing history newest first, by status and by issue day in the hospital time zone', async () => {
    const patientId = await aPatient();
    const issued: Bill[] = [];
    try {
      for (const at of [
        '2026-02-27T09:00:00Z',
        '2026-02-28T23:59:59Z',
        '2026-03-01T00:00:00Z',
        '2026-03-01T12:00:00Z',
      ]) {
        bed.setNow(new Date(at));
        issued.push(await clerk().bills.create(manualBill(patientId)));
      }
    } finally {
      bed.setNow(NOW);
    }
    await clerk().bills.void(issued[1]!.id, null);
    const ids = (connection: { edges: { node: Bill }[] }) => connection.edges.map((edge) => edge.node.id);
    const newestFirst = [...issued].reverse().map((bill) => bill.id);

    const first = await clerk().bills.list({ patientId }, { first: 3 });
    expect(ids(first)).toEqual(newestFirst.slice(0, 3));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await clerk().bills.list({ patientId }, { first: 3, after: first.pageInfo.endCursor });
    expect(ids(rest)).toEqual(newestFirst.slice(3));
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(await first.totalCount()).toBe(4);

    const firstOfMarch = await clerk().bills.list({ patientId, issuedFrom: '2026-03-01', issuedTo: '2026-03-01' }, {});
    expect(ids(firstOfMarch)).toEqual([issued[3]!.id, issued[2]!.id]);
    const voided = await clerk().bills.list({ patientId, status: ['VOID'] }, {});
    expect(ids(voided)).toEqual([issued[1]!.id]);
  });
});

describe('the database', () => {
  it.each([
    ['a total that is not subtotal + tax', { totalAmount: 999 }, 'bill_amounts_check'],
    ['a negative tax', { taxAmount: -1 }, 'bill_amounts_check'],
    ['more paid than the total', { amountPaid: 10_501 }, 'bill_amount_paid_check'],
    ['a negative amount paid', { amountPaid: -1 }, 'bill_amount_paid_check'],
  ])('refuses %s', async (_case, change, constraint) => {
    const bill = await anIssuedBill();
    const em = bed.orm.em.fork();
    await expect(em.nativeUpdate(Bill, { id: bill.id }, change)).rejects.toMatchObject({ constraint });
    expect(await reload(bill.id)).toMatchObject({ totalAmount: 10_500, taxAmount: 500, amountPaid: 0 });
  });
});
