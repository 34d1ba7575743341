/** Resolvers of the billing subgraph: parse the input, call the service, shape the result. */
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { money } from '../../../platform/money.ts';
import { loaderPerParent, requestLoader } from '../../../platform/graphql/loaders.ts';
import { pageArgs, type Connection } from '../../../platform/graphql/pagination.ts';
import { idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Bill } from '../bill.entity.ts';
import type { BillStatus } from '../bill.rules.ts';
import {
  billFilterInput,
  billStatusList,
  createBillInput,
  decideInsuranceClaimInput,
  submitInsuranceClaimInput,
  voidReason,
} from '../bill.inputs.ts';

/** The arguments of `Patient.bills`, parsed. */
interface BillsArgs {
  status: readonly BillStatus[] | null;
  page: { first: number | null; after: string | null };
}

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    bill: (_root, args, { bills }) => bills.get(parseInput(idSchema, args.id, 'id')),
    bills: (_root, args, { bills }) =>
      bills.list(parseInput(billFilterInput, args.filter ?? {}, 'filter'), pageArgs(args)),
  },
  Mutation: {
    createBill: (_root, args, { bills }) => bills.create(parseInput(createBillInput, args.input)),
    voidBill: (_root, args, { bills }) =>
      bills.void(parseInput(idSchema, args.id, 'id'), parseInput(voidReason, args.reason, 'reason')),
    submitInsuranceClaim: (_root, args, { claims }) => claims.submit(parseInput(submitInsuranceClaimInput, args.input)),
    decideInsuranceClaim: (_root, args, { claims }) => claims.decide(parseInput(decideInsuranceClaimInput, args.input)),
  },
  Bill: {
    __resolveReference: async (reference, { bills, loaders }) => {
      const bill = await loaders.billById.load(reference.id);
      if (bill) bills.authorizeRead(bill);
      return bill;
    },
    patient: (bill) => ({ id: bill.patientId }),
    appointment: (bill) => (bill.appointmentId ? { id: bill.appointmentId } : null),
    lineItems: (bill, _args, { loaders }) => loaders.lineItemsByBill.load(bill.id),
    subtotal: (bill) => money(bill.subtotalAmount, bill.currency),
    tax: (bill) => money(bill.taxAmount, bill.currency),
    total: (bill) => money(bill.totalAmount, bill.currency),
    insuranceClaim: (bill, _args, { loaders }) => loaders.latestClaimByBill.load(bill.id),
  },
  BillLineItem: {
    unitPrice: (item) => money(item.unitPriceAmount, item.currency),
    amount: (item) => money(item.amount, item.currency),
  },
  InsuranceClaim: {
    bill: async (claim, _args, { loaders }) => {
      const bill = await loaders.billById.load(claim.bill.id);
      // The foreign key guarantees the bill; a null here would be a broken database.
      if (!bill) throw new Error(`insurance claim ${claim.id} has no bill`);
      return bill;
    },
    claimedAmount: (claim) => money(claim.claimedAmount, claim.currency),
    approvedAmount: (claim) =>
      claim.approvedAmount === null || claim.approvedAmount === undefined
        ? null
        : money(claim.approvedAmount, claim.currency),
  },
  Patient: {
    // Through the request's loader: a page of patients reads all their bills in one statement.
    bills: (patient, args, context) =>
      requestLoader(context, 'bills.patientId', () =>
        loaderPerParent<BillsArgs, Connection<Bill>>(
          (patientIds, { status, page }) => context.bills.listOfPatients(patientIds, status, page),
          (key) => JSON.stringify(key),
        ),
      ).load({
        parentId: patient.id,
        args: { status: parseInput(billStatusList, args.status, 'status') ?? null, page: pageArgs(args) },
      }),
  },
  Appointment: {
    bill: async (appointment, _args, { bills, loaders }) =>
      bills.automaticOf(await loaders.billsByAppointment.load(appointment.id)),
    bills: async (appointment, _args, { bills, loaders }) =>
      bills.readable(await loaders.billsByAppointment.load(appointment.id)),
  },
};
