/**
 * Composition root of the billing subgraph: bills and insurance claims (`Bill`, `Patient.bills`, `Appointment.bill`
 * and `Appointment.bills`), the automatic bills of appointment events, and the consumers that keep its copy of
 * patients, appointments and payment ledgers current. The tax rate is the SPEC §4 constant
 * (`TAX_RATE_BASIS_POINTS`); time zone and currency come from the hospital settings.
 */
import DataLoader from 'dataloader';
import { gql } from 'graphql-tag';
import { readSdl } from '../../schema/catalog.ts';
import { ErrorCode } from '../../platform/errors.ts';
import { loaderById, loaderGrouped } from '../../platform/graphql/loaders.ts';
import { defineSubgraph, type SubgraphDependencies, type SubgraphDefinition } from '../../platform/subgraph.ts';
import { billingConsumers } from './bill.consumers.ts';
import { billingEntities, type InsuranceClaim } from './bill.entity.ts';
import { BillRepository } from './bill.repository.ts';
import { BillingError } from './bill.rules.ts';
import { BillService } from './bill.service.ts';
import type { Context } from './context.ts';
import { InsuranceClaimService } from './insurance-claim.service.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';

const invalidAmounts = { code: ErrorCode.BAD_USER_INPUT, message: 'The amounts of this bill are not consistent.' };

/** The billing subgraph's definition: entities, migrations, schema, resolvers, constraints, context, consumers. */
export const billingSubgraph: SubgraphDefinition<Context> = {
  name: 'billing',
  entities: billingEntities,
  migrations,
  typeDefs: gql(readSdl('billing')),
  resolvers,
  constraints: {
    bill_number_key: { code: ErrorCode.CONFLICT, message: 'This bill number was taken at the same time; try again.' },
    bill_appointment_kind_key: { code: ErrorCode.CONFLICT, message: 'The appointment already has this bill.' },
    insurance_claim_open_key: {
      code: BillingError.CLAIM_ALREADY_OPEN,
      message: 'This bill already has a submitted or approved insurance claim.',
    },
    bill_amounts_check: invalidAmounts,
    bill_amount_paid_check: invalidAmounts,
    bill_line_item_quantity_check: { code: ErrorCode.BAD_USER_INPUT, message: 'A quantity must be 1–1000.' },
    bill_line_item_amount_check: invalidAmounts,
    insurance_claim_claimed_amount_check: { code: ErrorCode.BAD_USER_INPUT, message: 'A claim must be of 1 or more.' },
    insurance_claim_approved_amount_check: {
      code: ErrorCode.BAD_USER_INPUT,
      message: 'An approved amount must be 1 – the claimed amount.',
    },
  },
  createContext: (base, { orm, deps }) => {
    const em = orm.em.fork();
    const repository = new BillRepository(em);
    const services = {
      em,
      actor: base,
      clock: deps.clock,
      timeZone: deps.hospital.timeZone,
      currency: deps.hospital.currency,
    };
    return {
      ...base,
      em,
      bills: new BillService(services),
      claims: new InsuranceClaimService(services),
      loaders: {
        billById: loaderById(
          (ids) => repository.findByIds(ids),
          (bill) => bill.id,
        ),
        billsByAppointment: loaderGrouped(
          (ids) => repository.ofAppointments(ids),
          (bill) => bill.appointmentId ?? '',
        ),
        lineItemsByBill: loaderGrouped(
          (ids) => repository.lineItemsOf(ids),
          (item) => item.bill.id,
        ),
        latestClaimByBill: new DataLoader<string, InsuranceClaim | null>(async (billIds) => {
          const latest = new Map<string, InsuranceClaim>();
          // Latest first: the first claim seen of each bill is its latest.
          for (const claim of await repository.claimsOf(billIds)) {
            if (!latest.has(claim.bill.id)) latest.set(claim.bill.id, claim);
          }
          return billIds.map((billId) => latest.get(billId) ?? null);
        }),
      },
    };
  },
  consumers: ({ deps }) => billingConsumers(deps),
};

/** The billing subgraph, ready to start. */
export const createBillingSubgraph = (deps: SubgraphDependencies) => defineSubgraph(billingSubgraph, deps);
