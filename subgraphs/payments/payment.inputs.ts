/** Shapes of the payments subgraph's inputs. Amounts are integers in minor units. */
import { z } from 'zod';
import { idSchema, textSchema } from '../../platform/validation.ts';
import { PAYMENT_METHODS } from './payment.rules.ts';

/** GraphQL `Int` is 32-bit: no amount above this fits the API. */
const MAX_AMOUNT = 2_147_483_647;

const amount = z.number().int().min(1, 'must be at least 1 (minor units)').max(MAX_AMOUNT);

export const payBillInput = z
  .object({
    billId: idSchema,
    amount,
    method: z.enum(PAYMENT_METHODS),
    paymentToken: z.string().trim().min(1).max(200).nullish(),
  })
  .refine((input) => input.method !== 'ONLINE' || Boolean(input.paymentToken), {
    message: 'An ONLINE payment needs the paymentToken from the payment page.',
    path: ['paymentToken'],
  })
  .transform((input) => ({ ...input, paymentToken: input.paymentToken ?? null }));
export type PayBillInput = z.infer<typeof payBillInput>;

export const refundPaymentInput = z
  .object({
    paymentId: idSchema,
    amount: amount.nullish(),
    reason: textSchema(1000).nullish(),
  })
  .transform((input) => ({ paymentId: input.paymentId, amount: input.amount ?? null, reason: input.reason ?? null }));
export type RefundPaymentInput = z.infer<typeof refundPaymentInput>;
