/** Resolvers of the payments subgraph: parse the input, call the service, shape the result. */
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { money } from '../../../platform/money.ts';
import { idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { BillReference, Context } from '../context.ts';
import { payBillInput, refundPaymentInput } from '../payment.inputs.ts';
import { balanceDue } from '../payment.rules.ts';

/** The bill's ledger, once the caller is known to be allowed to see it (null: the bill is not payable here yet). */
async function ledgerOf(bill: BillReference, { loaders, payments }: Context) {
  const ledger = await loaders.ledgerOfBill.load(bill.id);
  if (ledger) payments.authorizeRead(ledger);
  return ledger;
}

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    payment: async (_root, args, { loaders, payments }) => {
      const payment = await loaders.paymentById.load(parseInput(idSchema, args.id, 'id'));
      if (payment) payments.authorizeRead(payment);
      return payment;
    },
  },
  Mutation: {
    payBill: (_root, args, { payments }) => payments.pay(parseInput(payBillInput, args.input)),
    refundPayment: (_root, args, { payments }) => payments.refund(parseInput(refundPaymentInput, args.input)),
  },
  Payment: {
    __resolveReference: async (reference, { loaders, payments }) => {
      const payment = await loaders.paymentById.load(reference.id);
      if (payment) payments.authorizeRead(payment);
      return payment;
    },
    bill: (payment) => ({ id: payment.billId }),
    amount: (payment) => money(payment.amount, payment.currency),
    refundedAmount: (payment) => money(payment.refundedAmount, payment.currency),
    refunds: (payment, _args, { loaders }) => loaders.refundsOfPayment.load(payment.id),
  },
  Refund: {
    amount: (refund) => money(refund.amount, refund.currency),
  },
  Bill: {
    // The gateway asks for a bill's payments only after billing resolved (and authorized) the bill; the ledger is
    // checked again here all the same.
    __resolveReference: (reference) => reference,
    payments: async (bill, _args, context) => {
      await ledgerOf(bill, context);
      return context.loaders.paymentsOfBill.load(bill.id);
    },
    amountPaid: async (bill, _args, context) => {
      const ledger = await ledgerOf(bill, context);
      return money(ledger?.paidAmount ?? 0, ledger?.currency ?? bill.total?.currency ?? context.currency);
    },
    balanceDue: async (bill, _args, context) => {
      const ledger = await ledgerOf(bill, context);
      const currency = ledger?.currency ?? bill.total?.currency ?? context.currency;
      return money(balanceDue(ledger?.totalAmount ?? bill.total?.amount ?? 0, ledger), currency);
    },
  },
};
