/**
 * Billing's consumers on a real database (PostgreSQL when configured): the automatic bills of completed,
 * late-cancelled and no-show appointments, issued exactly once however often — and under whatever event id — their
 * event arrives; free cancellations voiding unpaid bills; and payment ledgers applied in sequence order whatever
 * order they arrive in. Each test checks the rows and the outbox, not only what a handler returned.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import { AppointmentReplica, Bill, BillLineItem } from './bill.entity.ts';
import {
  anAppointment,
  appointmentEvent,
  billingClerk,
  cancelled,
  completed,
  DOCTOR_ACTOR,
  ledgerEvent,
  markedNoShow,
  openBillingTestBed,
  outboxOf,
  patientEvent,
  type AppointmentFacts,
  type BillingTestBed,
} from './billing.fixtures.ts';

let bed: BillingTestBed;

beforeAll(async () => {
  bed = await openBillingTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const billsOf = (appointmentId: string) =>
  bed.orm.em.fork().find(Bill, { appointmentId }, { orderBy: { issuedAt: 'asc', id: 'asc' } });
const reload = (billId: string) => bed.orm.em.fork().findOneOrFail(Bill, { id: billId });

/** Completes `appointment` and returns its consultation bill. */
async function aConsultationBill(appointment = anAppointment()): Promise<Bill> {
  expect(await bed.deliver('appointment-events', completed(appointment))).toBe('handled');
  const [bill] = await billsOf(appointment.appointmentId);
  return bill!;
}

describe('the consultation bill of a completed appointment', () => {
  it('is issued once, with its tax rounded half up, when AppointmentCompleted is delivered three times', async () => {
    const appointment = anAppointment();
    const event = completed(appointment);
    const outcomes = [];
    for (let delivery = 0; delivery < 3; delivery++) {
      outcomes.push(await bed.deliver('appointment-events', structuredClone(event)));
    }
    expect(outcomes).toEqual(['handled', 'duplicate', 'duplicate']);

    const bills = await billsOf(appointment.appointmentId);
    expect(bills).toHaveLength(1);
    const bill = bills[0]!;
    // 83.90 + 5 % (4.195, rounded half up to 4.20) = 88.10
    expect(bill).toMatchObject({
      kind: 'CONSULTATION',
      status: 'ISSUED',
      patientId: appointment.patientId,
      currency: 'USD',
      subtotalAmount: 8_390,
      taxRateBasisPoints: 500,
      taxAmount: 420,
      totalAmount: 8_810,
      amountPaid: 0,
    });
    expect(bill.number).toMatch(/^B-2026-\d{6}$/);
    const items = await bed.orm.em.fork().find(BillLineItem, { bill: bill.id });
    expect(items).toMatchObject([
      { description: 'Consultation on 2026-03-02', quantity: 1, unitPriceAmount: 8_390, amount: 8_390, position: 1 },
    ]);

    const issued = await outboxOf(bed.orm, bill.id);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      type: 'BillIssued',
      aggregateId: bill.id,
      // Raised on behalf of whoever completed the appointment, in the same story.
      actor: DOCTOR_ACTOR,
      correlationId: event.correlationId,
      payload: {
        billId: bill.id,
        patientId: appointment.patientId,
        appointmentId: appointment.appointmentId,
        kind: 'CONSULTATION',
        total: { amount: 8_810, currency: 'USD' },
      },
    });
  });

  it('is not issued again when the same completion is re-published under a new event id', async () => {
    const appointment = anAppointment();
    const event = completed(appointment);
    expect(await bed.deliver('appointment-events', event)).toBe('handled');
    expect(await bed.deliver('appointment-events', { ...event, id: newId() })).toBe('handled');

    const bills = await billsOf(appointment.appointmentId);
    expect(bills).toHaveLength(1);
    expect(await outboxOf(bed.orm, bills[0]!.id, 'BillIssued')).toHaveLength(1);
  });

  it('is issued once when five copies under new ids race (the unique index turns the losers into retries)', async () => {
    const appointment = anAppointment();
    const event = completed(appointment);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => bed.deliver('appointment-events', { ...event, id: newId() })),
    );
    expect(outcomes).toEqual(Array(5).fill('handled'));

    const bills = await billsOf(appointment.appointmentId);
    expect(bills).toHaveLength(1);
    expect(await outboxOf(bed.orm, bills[0]!.id, 'BillIssued')).toHaveLength(1);
  });

  it('is not issued for a free consultation, though billing still learns of the appointment', async () => {
    const appointment = anAppointment({ consultationFee: 0 });
    expect(await bed.deliver('appointment-events', completed(appointment))).toBe('handled');
    expect(await billsOf(appointment.appointmentId)).toHaveLength(0);

    // The copy lets billing staff bill the appointment by hand.
    await bed.deliver('patient-events', patientEvent(appointment.patientId));
    const manual = await bed.as(billingClerk()).bills.create({
      patientId: appointment.patientId,
      appointmentId: appointment.appointmentId,
      lineItems: [{ description: 'Dressing', code: null, quantity: 1, unitPrice: 1_000 }],
      note: null,
    });
    expect(manual).toMatchObject({ kind: 'MANUAL', appointmentId: appointment.appointmentId, totalAmount: 1_050 });
  });
});

describe('the fees of cancellations and no-shows (SPEC §3)', () => {
  it('bills half the fee for a late cancellation', async () => {
    const appointment = anAppointment();
    // appointments computed the 50 % fee: 41.95; billing adds 5 % (2.0975 → 2.10).
    expect(await bed.deliver('appointment-events', cancelled(appointment, 'LATE', 4_195))).toBe('handled');
    const bills = await billsOf(appointment.appointmentId);
    expect(bills).toMatchObject([
      { kind: 'LATE_CANCELLATION', subtotalAmount: 4_195, taxAmount: 210, totalAmount: 4_405, status: 'ISSUED' },
    ]);
    expect(await outboxOf(bed.orm, bills[0]!.id, 'BillIssued')).toHaveLength(1);
  });

  it('bills the whole fee for a no-show', async () => {
    const appointment = anAppointment();
    expect(await bed.deliver('appointment-events', markedNoShow(appointment))).toBe('handled');
    expect(await billsOf(appointment.appointmentId)).toMatchObject([
      { kind: 'NO_SHOW', subtotalAmount: 8_390, taxAmount: 420, totalAmount: 8_810 },
    ]);
  });

  it('voids the unpaid bills of an appointment cancelled in time, and leaves a paid one to be refunded', async () => {
    const appointment = anAppointment();
    await bed.deliver('patient-events', patientEvent(appointment.patientId));
    await bed.deliver('appointment-events', appointmentEvent('AppointmentBooked', appointment, 'PENDING'));
    const bills = bed.as(billingClerk()).bills;
    const manual = (unitPrice: number) =>
      bills.create({
        patientId: appointment.patientId,
        appointmentId: appointment.appointmentId,
        lineItems: [{ description: 'Deposit', code: null, quantity: 1, unitPrice }],
        note: null,
      });
    const unpaid = await manual(2_000);
    const paid = await manual(5_000);
    await bed.deliver('payment-events', ledgerEvent(paid.id, { amountPaid: 5_250, sequence: 1 }));

    const cancellation = cancelled(appointment, 'FREE', 0);
    expect(await bed.deliver('appointment-events', cancellation)).toBe('handled');

    expect(await reload(unpaid.id)).toMatchObject({ status: 'VOID', voidedAt: expect.any(Date) });
    expect(await reload(paid.id)).toMatchObject({ status: 'PAID', voidedAt: null, amountPaid: 5_250 });
    const voided = await outboxOf(bed.orm, unpaid.id, 'BillVoided');
    expect(voided).toHaveLength(1);
    expect(voided[0]).toMatchObject({ correlationId: cancellation.correlationId, payload: { status: 'VOID' } });
    expect(await outboxOf(bed.orm, paid.id, 'BillVoided')).toHaveLength(0);
    // Nothing is charged for a free cancellation.
    expect(await billsOf(appointment.appointmentId)).toHaveLength(2);
  });
});

describe('payment ledgers from payment-events', () => {
  it('keep the newest state when they arrive out of order', async () => {
    const bill = await aConsultationBill();
    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 8_810, sequence: 2 }));
    expect(await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 4_000, sequence: 1 }))).toBe(
      'handled',
    );
    expect(await reload(bill.id)).toMatchObject({ status: 'PAID', amountPaid: 8_810, paymentSequence: 2 });
  });

  it('move a bill through PARTIALLY_PAID to PAID, setting paidAt and emitting BillPaid only the first time', async () => {
    const bill = await aConsultationBill();
    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 4_000, sequence: 1 }));
    expect(await reload(bill.id)).toMatchObject({ status: 'PARTIALLY_PAID', amountPaid: 4_000, paidAt: null });
    expect(await outboxOf(bed.orm, bill.id, 'BillPaid')).toHaveLength(0);

    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 8_810, sequence: 2 }));
    const paid = await reload(bill.id);
    expect(paid).toMatchObject({ status: 'PAID', amountPaid: 8_810, paidAt: expect.any(Date) });

    // A partial refund and a new payment cover the total again: still the first paidAt, still one BillPaid.
    await bed.deliver(
      'payment-events',
      ledgerEvent(bill.id, { amountPaid: 8_000, amountRefunded: 810, sequence: 3 }, 'PaymentRefunded'),
    );
    expect((await reload(bill.id)).status).toBe('PARTIALLY_PAID');
    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 8_810, amountRefunded: 810, sequence: 4 }));
    expect(await reload(bill.id)).toMatchObject({ status: 'PAID', paidAt: paid.paidAt, amountRefunded: 810 });

    const billPaid = await outboxOf(bed.orm, bill.id, 'BillPaid');
    expect(billPaid).toHaveLength(1);
    expect(billPaid[0]!.payload).toMatchObject({ status: 'PAID', amountPaid: { amount: 8_810, currency: 'USD' } });
  });

  it('mark a bill whose payments were all refunded REFUNDED and say so once', async () => {
    const bill = await aConsultationBill();
    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 8_810, sequence: 1 }));
    const refund = ledgerEvent(bill.id, { amountPaid: 0, amountRefunded: 8_810, sequence: 2 }, 'PaymentRefunded');
    await bed.deliver('payment-events', refund);
    // The same ledger re-published under another id is not newer: nothing happens.
    await bed.deliver('payment-events', { ...refund, id: newId() });

    expect(await reload(bill.id)).toMatchObject({ status: 'REFUNDED', amountPaid: 0, amountRefunded: 8_810 });
    expect(await outboxOf(bed.orm, bill.id, 'BillRefunded')).toHaveLength(1);
  });

  it('leave a failed payment’s bill as it was', async () => {
    const bill = await aConsultationBill();
    await bed.deliver('payment-events', ledgerEvent(bill.id, { amountPaid: 0, sequence: 1 }, 'PaymentFailed'));
    expect(await reload(bill.id)).toMatchObject({ status: 'ISSUED', amountPaid: 0, paymentSequence: 1 });
    expect((await outboxOf(bed.orm, bill.id)).map((event) => event.type)).toEqual(['BillIssued']);
  });
});

describe("billing's copy of appointments", () => {
  it('keeps the newest state of an appointment, and lets staff bill it only to its own patient', async () => {
    const appointment: AppointmentFacts = anAppointment();
    const other = anAppointment();
    await bed.deliver('patient-events', patientEvent(other.patientId));
    const imported = appointmentEvent('AppointmentImported', appointment, 'COMPLETED');
    const older = {
      ...appointmentEvent('AppointmentBooked', appointment, 'PENDING'),
      occurredAt: '2026-01-01T00:00:00Z',
    };
    await bed.deliver('appointment-events', imported);
    expect(await bed.deliver('appointment-events', older)).toBe('handled');
    const copy = await bed.orm.em
      .fork()
      .findOneOrFail(AppointmentReplica, { appointmentId: appointment.appointmentId });
    expect(copy).toMatchObject({ patientId: appointment.patientId, status: 'COMPLETED' });

    const attempt = bed.as(billingClerk()).bills.create({
      patientId: other.patientId,
      appointmentId: appointment.appointmentId,
      lineItems: [{ description: 'X-ray', code: 'XR', quantity: 1, unitPrice: 3_000 }],
      note: null,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'input.appointmentId' } });
    expect(await bed.orm.em.fork().count(Bill, { patientId: other.patientId })).toBe(0);
  });
});
