/**
 * The billing subgraph's event consumers: thin handlers that validate a payload and hand it to
 * `AutomaticBillingService` (or the patient replica), inside the consumer's transaction (`platform/events/consumer.ts`
 * records the event id in the same transaction, so a redelivered event has no second effect).
 *
 * - `billing.patient-replica` (`patient-events`): which patients may be billed by staff.
 * - `billing.appointment-charges` (`appointment-events`): billing's copy of every appointment, and its automatic
 *   bills (completed, late-cancelled, no-show) and free-cancellation voids.
 * - `billing.payment-ledger` (`payment-events`): each bill's payments, as the payments subgraph's ledger reports.
 */
import type { EventHandler } from '../../platform/events/consumer.ts';
import { principalOfEvent, type EventEnvelope } from '../../platform/events/envelope.ts';
import { observeBillCreation } from '../../platform/observability/business-metrics.ts';
import type { ConsumerSpec, SubgraphDependencies } from '../../platform/subgraph.ts';
import { AutomaticBillingService } from './automatic-billing.service.ts';
import {
  appointmentCancelledPayload,
  appointmentNoShowPayload,
  appointmentPayload,
  patientChangedPayload,
  paymentLedgerPayload,
  type AppointmentPayload,
} from './bill.events.ts';
import { BillRepository } from './bill.repository.ts';

/** `appointment-events` types that only move billing's copy of the appointment. */
export const REPLICATED_APPOINTMENT_EVENTS = [
  'AppointmentBooked',
  'AppointmentImported',
  'AppointmentConfirmed',
  'AppointmentRejected',
  'AppointmentRescheduled',
  'AppointmentCheckedIn',
] as const;

/** `payment-events` types that carry the bill's ledger. */
export const PAYMENT_LEDGER_EVENTS = ['PaymentSucceeded', 'PaymentFailed', 'PaymentRefunded'] as const;

const replicatePatient: EventHandler = async (em, event) => {
  const patient = patientChangedPayload.parse(event.payload);
  await new BillRepository(em).upsertPatient({
    patientId: patient.patientId,
    active: patient.active,
    asOf: new Date(event.occurredAt),
  });
};

/** The billing consumers, on the process's clock and hospital settings. */
export function billingConsumers(deps: Pick<SubgraphDependencies, 'clock' | 'hospital'>): ConsumerSpec[] {
  /**
   * Automatic billing acting for whoever raised `event`, inside the consumer's transaction; each bill it issues is
   * timed from the event's `occurredAt` to the commit (`bill_creation_latency_seconds`).
   */
  const serviceFor = (em: Parameters<EventHandler>[0], event: EventEnvelope, delivery?: Parameters<EventHandler>[3]) =>
    new AutomaticBillingService({
      em,
      actor: { principal: principalOfEvent(event), correlationId: event.correlationId },
      clock: deps.clock,
      timeZone: deps.hospital.timeZone,
      onIssued: (bill) =>
        delivery?.afterCommit(() => observeBillCreation(bill.kind, (Date.now() - Date.parse(event.occurredAt)) / 1000)),
    });

  /** Replicates the appointment, then does `charge` with the payload parsed by the event type's own schema. */
  const onAppointment =
    <Payload extends AppointmentPayload>(
      schema: { parse(value: unknown): Payload },
      charge?: (service: AutomaticBillingService, payload: Payload) => Promise<unknown>,
    ): EventHandler =>
    async (em, event, _log, delivery) => {
      const payload = schema.parse(event.payload);
      const service = serviceFor(em, event, delivery);
      await service.replicateAppointment(payload, new Date(event.occurredAt));
      await charge?.(service, payload);
    };

  const replicateOnly = onAppointment(appointmentPayload);
  const applyLedger: EventHandler = async (em, event) => {
    await serviceFor(em, event).applyPaymentLedger(
      paymentLedgerPayload.parse(event.payload),
      new Date(event.occurredAt),
    );
  };

  return [
    {
      name: 'billing.patient-replica',
      topics: ['patient-events'],
      handlers: {
        PatientRegistered: replicatePatient,
        PatientUpdated: replicatePatient,
        PatientArchived: replicatePatient,
      },
    },
    {
      name: 'billing.appointment-charges',
      topics: ['appointment-events'],
      handlers: {
        ...Object.fromEntries(REPLICATED_APPOINTMENT_EVENTS.map((type) => [type, replicateOnly])),
        AppointmentCompleted: onAppointment(appointmentPayload, (service, appointment) =>
          service.chargeConsultation(appointment),
        ),
        AppointmentCancelled: onAppointment(appointmentCancelledPayload, (service, cancelled) =>
          cancelled.band === 'FREE'
            ? service.voidUnpaidOfAppointment(cancelled.appointmentId)
            : service.chargeLateCancellation(cancelled, cancelled.feeOwed),
        ),
        AppointmentMarkedNoShow: onAppointment(appointmentNoShowPayload, (service, noShow) =>
          service.chargeNoShow(noShow, noShow.feeOwed),
        ),
      },
    },
    {
      name: 'billing.payment-ledger',
      topics: ['payment-events'],
      handlers: Object.fromEntries(PAYMENT_LEDGER_EVENTS.map((type) => [type, applyLedger])),
    },
  ];
}
