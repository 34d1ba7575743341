/**
 * Insurance claims on bills (SPEC §4; FHIR `Claim` and `ClaimResponse`): billing staff submit a bill to the
 * patient's insurer and record the insurer's decision. An approved claim pays its share: the payments subgraph reads
 * `InsuranceClaimApproved` and records an `INSURANCE` payment. Every change locks the bill row first, so claims and
 * voids of one bill happen one after another; the partial unique index `insurance_claim_open_key` keeps one open
 * claim per bill whatever races.
 */
import type { EntityManager } from '../../platform/db/orm.ts';
import { BadUserInputError, DomainError, NotFoundError } from '../../platform/errors.ts';
import { emitEvent } from '../../platform/events/outbox.ts';
import type { Actor } from '../../platform/graphql/context.ts';
import { InsuranceClaim, type Bill } from './bill.entity.ts';
import { BILLING_TOPIC, BillingEvent, type InsuranceClaimPayload } from './bill.events.ts';
import type { DecideInsuranceClaimInput, SubmitInsuranceClaimInput } from './bill.inputs.ts';
import { BillRepository } from './bill.repository.ts';
import {
  BillingError,
  claimViolation,
  decisionViolation,
  OPEN_CLAIM_STATUSES,
  type ClaimStatus,
} from './bill.rules.ts';
import { requireBillingStaff, type BillingServiceDependencies } from './bill.service.ts';

/** The claim as its events carry it (money in minor units). */
export const claimPayloadOf = (claim: InsuranceClaim, bill: Bill): InsuranceClaimPayload => ({
  claimId: claim.id,
  billId: bill.id,
  patientId: bill.patientId,
  status: claim.status,
  payer: claim.payer,
  claimedAmount: { amount: claim.claimedAmount, currency: claim.currency },
  approvedAmount:
    claim.approvedAmount === null || claim.approvedAmount === undefined
      ? null
      : { amount: claim.approvedAmount, currency: claim.currency },
});

const REFUSALS: Record<string, string> = {
  [BillingError.BILL_VOID]: 'This bill was voided.',
  [BillingError.BILL_ALREADY_PAID]: 'Nothing is left to claim on this bill.',
  [BillingError.CLAIM_ALREADY_OPEN]: 'This bill already has a submitted or approved insurance claim.',
  [BillingError.CLAIM_ALREADY_DECIDED]: 'The insurer has decided on this claim already.',
};

/** Insurance claims as billing staff handle them: submit a bill to the insurer, record its decision. */
export class InsuranceClaimService {
  readonly #em: EntityManager;
  readonly #actor: Actor;
  readonly #clock: () => Date;

  constructor(deps: Pick<BillingServiceDependencies, 'em' | 'actor' | 'clock'>) {
    this.#em = deps.em;
    this.#actor = deps.actor;
    this.#clock = deps.clock;
  }

  /**
   * Submits a bill to the insurer: a `SUBMITTED` claim of `amount` minor units (default: the bill's total). Emits
   * `InsuranceClaimSubmitted`.
   *
   * @throws ForbiddenError unless billing staff or an admin; NotFoundError; DomainError `BILL_VOID`,
   *   `BILL_ALREADY_PAID` (nothing left to claim), `CLAIM_ALREADY_OPEN`; BadUserInputError for an amount outside
   *   1 – the bill's total.
   */
  async submit(input: SubmitInsuranceClaimInput): Promise<InsuranceClaim> {
    requireBillingStaff(this.#actor);
    return this.#em.transactional(async (em) => {
      const repository = new BillRepository(em);
      const bill = await repository.findForUpdate(input.billId);
      if (!bill) throw new NotFoundError('Bill', input.billId);
      const amount = input.amount ?? bill.totalAmount;
      const open = await repository.hasClaim(bill.id, OPEN_CLAIM_STATUSES);
      this.#check(claimViolation(bill, open, amount), () => {
        throw new BadUserInputError(
          `input.amount: must be from 1 to the bill's total of ${bill.totalAmount} minor units`,
          'input.amount',
        );
      });
      const claim = em.create(InsuranceClaim, {
        bill,
        payer: input.payer,
        policyNumber: input.policyNumber,
        status: 'SUBMITTED',
        currency: bill.currency,
        claimedAmount: amount,
        approvedAmount: null,
        decisionReason: null,
        submittedAt: this.#clock(),
        decidedAt: null,
      });
      this.#emit(em, BillingEvent.InsuranceClaimSubmitted, claim, bill);
      return claim;
    });
  }

  /**
   * Records the insurer's decision on a `SUBMITTED` claim: `APPROVED` with an amount of 1 – the claimed amount, or
   * `DENIED`. Emits `InsuranceClaimApproved` (the payments subgraph then pays that share) or `InsuranceClaimDenied`.
   *
   * @throws ForbiddenError; NotFoundError; DomainError `CLAIM_ALREADY_DECIDED`, `BILL_VOID` (approving a claim of a
   *   bill voided meanwhile); BadUserInputError for an approved amount that is missing or above the claimed amount.
   */
  async decide(input: DecideInsuranceClaimInput): Promise<InsuranceClaim> {
    requireBillingStaff(this.#actor);
    return this.#em.transactional(async (em) => {
      const repository = new BillRepository(em);
      const found = await repository.findClaim(input.claimId);
      if (!found) throw new NotFoundError('InsuranceClaim', input.claimId);
      // The bill's lock first, as every change of a bill or its claims takes it; then the claim as it is now.
      const bill = await repository.findForUpdate(found.bill.id);
      const claim = await repository.findClaim(input.claimId);
      if (!bill || !claim) throw new NotFoundError('InsuranceClaim', input.claimId);
      this.#check(decisionViolation(claim, bill.status, input.decision, input.approvedAmount), () => {
        throw new BadUserInputError(
          `input.approvedAmount: an approval needs an amount from 1 to the claimed ${claim.claimedAmount} minor units`,
          'input.approvedAmount',
        );
      });
      const status: ClaimStatus = input.decision;
      Object.assign(claim, {
        status,
        approvedAmount: input.approvedAmount,
        decisionReason: input.reason,
        decidedAt: this.#clock(),
      });
      const type = status === 'APPROVED' ? BillingEvent.InsuranceClaimApproved : BillingEvent.InsuranceClaimDenied;
      this.#emit(em, type, claim, bill);
      return claim;
    });
  }

  #emit(em: EntityManager, type: string, claim: InsuranceClaim, bill: Bill): void {
    emitEvent(em, BILLING_TOPIC, this.#actor, { type, aggregateId: bill.id, payload: claimPayloadOf(claim, bill) });
  }

  /** Throws the rule's domain error; `badInput` explains a `BAD_USER_INPUT` with the field it concerns. */
  #check(violation: string | null, badInput: () => never): void {
    if (!violation) return;
    if (violation === 'BAD_USER_INPUT') badInput();
    throw new DomainError(violation, REFUSALS[violation] ?? 'This claim cannot change.');
  }
}
