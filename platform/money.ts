/**
 * Money as SPEC §4 defines it: an integer number of minor units (cents) of an ISO 4217 currency; no floating point.
 * The GraphQL `Money { amount currency }` and every event payload use this one shape.
 */
import { z } from 'zod';

export interface Money {
  /** Minor units. */
  amount: number;
  /** ISO 4217, e.g. `USD`. */
  currency: string;
}

/** A `Money` value. */
export const money = (amount: number, currency: string): Money => ({ amount, currency });

/** A non-negative `Money` as events carry it (validated on consume). */
export const moneyPayloadSchema = z.object({ amount: z.number().int().nonnegative(), currency: z.string().length(3) });
