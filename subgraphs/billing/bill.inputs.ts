/** Shapes of the billing subgraph's inputs (the limits of `schema/billing.graphql`). Money: integer minor units. */
import { z } from 'zod';
import { dateSchema, idSchema, textSchema } from '../../platform/validation.ts';
import { BILL_STATUSES } from './bill.rules.ts';

/** Largest unit price of a manual line item, in minor units. */
export const MAX_UNIT_PRICE = 100_000_000;

/** Trimmed text of 1–`max` characters. */
const requiredText = (max: number) => z.string().trim().min(1, 'must not be empty').pipe(textSchema(max));

export const billLineItemInput = z.object({
  description: requiredText(200),
  // An empty code is no code.
  code: textSchema(50)
    .nullish()
    .transform((code) => code || null),
  quantity: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .nullish()
    .transform((quantity) => quantity ?? 1),
  unitPrice: z
    .number()
    .int()
    .min(0, 'must not be negative')
    .max(MAX_UNIT_PRICE, `must be at most ${MAX_UNIT_PRICE} minor units`),
});
export type BillLineItemInput = z.infer<typeof billLineItemInput>;

export const createBillInput = z.object({
  patientId: idSchema,
  appointmentId: idSchema.nullish().transform((id) => id ?? null),
  lineItems: z
    .array(billLineItemInput)
    .min(1, 'must have at least one item')
    .max(50, 'must have at most 50 items')
    // A bill of nothing could never be paid, nor leave ISSUED.
    .refine((items) => items.some((item) => item.unitPrice > 0), 'must charge something (all unit prices are 0)'),
  note: textSchema(1000)
    .nullish()
    .transform((note) => note || null),
});
export type CreateBillInput = z.infer<typeof createBillInput>;

export const billFilterInput = z
  .object({
    patientId: idSchema.nullish(),
    status: z.array(z.enum(BILL_STATUSES)).max(BILL_STATUSES.length).nullish(),
    issuedFrom: dateSchema.nullish(),
    issuedTo: dateSchema.nullish(),
  })
  .refine((filter) => !filter.issuedFrom || !filter.issuedTo || filter.issuedFrom <= filter.issuedTo, {
    message: 'must not be before issuedFrom',
    path: ['issuedTo'],
  });
export type BillFilter = z.infer<typeof billFilterInput>;

export const billStatusList = z.array(z.enum(BILL_STATUSES)).max(BILL_STATUSES.length).nullish();

export const voidReason = textSchema(1000)
  .nullish()
  .transform((reason) => reason || null);

export const submitInsuranceClaimInput = z.object({
  billId: idSchema,
  payer: requiredText(200),
  policyNumber: requiredText(100),
  /** Checked against the bill's total by the service. */
  amount: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .nullish()
    .transform((amount) => amount ?? null),
});
export type SubmitInsuranceClaimInput = z.infer<typeof submitInsuranceClaimInput>;

export const decideInsuranceClaimInput = z
  .object({
    claimId: idSchema,
    decision: z.enum(['APPROVED', 'DENIED']),
    approvedAmount: z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .nullish()
      .transform((amount) => amount ?? null),
    reason: textSchema(1000)
      .nullish()
      .transform((reason) => reason || null),
  })
  .refine((input) => input.decision !== 'APPROVED' || input.approvedAmount !== null, {
    message: 'is required for an approval',
    path: ['approvedAmount'],
  })
  .refine((input) => input.decision !== 'DENIED' || input.approvedAmount === null, {
    message: 'must be left out for a denial',
    path: ['approvedAmount'],
  });
export type DecideInsuranceClaimInput = z.infer<typeof decideInsuranceClaimInput>;
