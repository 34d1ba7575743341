/** The per-request context of the billing subgraph, and the references it returns to other subgraphs. */
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { Bill, BillLineItem, InsuranceClaim } from './bill.entity.ts';
import type { BillService } from './bill.service.ts';
import type { InsuranceClaimService } from './insurance-claim.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  bills: BillService;
  claims: InsuranceClaimService;
  loaders: {
    billById: DataLoader<string, Bill | null>;
    /** Every bill of an appointment, oldest first. */
    billsByAppointment: DataLoader<string, Bill[]>;
    lineItemsByBill: DataLoader<string, BillLineItem[]>;
    /** The latest claim of a bill, or null. */
    latestClaimByBill: DataLoader<string, InsuranceClaim | null>;
  };
}

/** What `BillConnection` resolvers receive. */
export type BillConnection = Connection<Bill>;

/** Entities owned elsewhere, as this subgraph returns them: their key, resolved by their own subgraph. */
export interface PatientReference {
  id: string;
}
export interface AppointmentReference {
  id: string;
}
