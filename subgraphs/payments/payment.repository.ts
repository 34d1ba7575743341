/** Queries of the payments subgraph, named by intent. */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '../../platform/db/orm.ts';
import { BillLedger, Payment, Refund } from './payment.entity.ts';

export class PaymentRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  findPayments(ids: readonly string[]): Promise<Payment[]> {
    return this.#em.find(Payment, { id: { $in: [...ids] } });
  }

  /** Every payment of the bills, oldest first. */
  paymentsOfBills(billIds: readonly string[]): Promise<Payment[]> {
    return this.#em.find(Payment, { billId: { $in: [...billIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Every refund of the payments, oldest first. */
  refundsOfPayments(paymentIds: readonly string[]): Promise<Refund[]> {
    return this.#em.find(Refund, { paymentId: { $in: [...paymentIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  ledgers(billIds: readonly string[]): Promise<BillLedger[]> {
    return this.#em.find(BillLedger, { billId: { $in: [...billIds] } });
  }

  findLedger(billId: string): Promise<BillLedger | null> {
    return this.#em.findOne(BillLedger, { billId });
  }

  /**
   * The bill's ledger, locked for the rest of the transaction: every change of what is reserved, paid or refunded on
   * one bill happens under this lock, one at a time.
   */
  ledgerForUpdate(billId: string): Promise<BillLedger | null> {
    return this.#em.findOne(BillLedger, { billId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  /** The ledgers of an appointment's bills, locked (for automatic refunds). */
  ledgersOfAppointmentForUpdate(appointmentId: string): Promise<BillLedger[]> {
    return this.#em.find(
      BillLedger,
      { appointmentId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { billId: 'asc' } },
    );
  }

  /** The bill a payment belongs to, read without loading the payment (so that it is loaded after the lock). */
  async billOfPayment(paymentId: string): Promise<string | null> {
    const row = await this.#em
      .createQueryBuilder(Payment)
      .select(['billId'])
      .where({ id: paymentId })
      .execute<{ billId: string } | undefined>('get');
    return row?.billId ?? null;
  }

  findPayment(id: string): Promise<Payment | null> {
    return this.#em.findOne(Payment, { id });
  }

  findPaymentByReference(reference: string): Promise<Payment | null> {
    return this.#em.findOne(Payment, { reference });
  }

  /** Payments of a bill with money left to refund. */
  refundablePaymentsOfBill(billId: string): Promise<Payment[]> {
    return this.#em.find(
      Payment,
      { billId, status: { $in: ['SUCCEEDED', 'PARTIALLY_REFUNDED'] } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** Opens a ledger unless it exists (a redelivered `BillIssued`). */
  async openLedger(ledger: Pick<BillLedger, 'billId' | 'patientId' | 'appointmentId' | 'currency' | 'totalAmount'>) {
    await this.#em
      .createQueryBuilder(BillLedger)
      .insert({
        ...ledger,
        status: 'OPEN',
        reservedAmount: 0,
        paidAmount: 0,
        refundedAmount: 0,
        sequence: 0,
        createdAt: new Date(),
        updatedAt: new Date(),
      })
      .onConflict('billId')
      .ignore()
      .execute('run');
  }
}
