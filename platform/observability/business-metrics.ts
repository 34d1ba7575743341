/**
 * Business metrics: facts of the hospital's domains, counted by the services after the transaction that makes
 * them true has committed (a rolled-back attempt never counts). Each is registered with its own subgraph's
 * registry, so it appears on that subgraph's `/metrics` only (labelled `service="<subgraph>"`). They are
 * process-wide like the process's own metrics: services are created per request and reach them by import.
 */
import { Counter, Histogram } from 'prom-client';
import { BoundedLabel, metricsOf } from './metrics.ts';

/**
 * `appointments_created_total{source}`: appointments that exist because of a committed booking
 * (`source="booked"`, `bookAppointment`) or history import (`source="imported"`, `importAppointment`).
 * Rescheduling moves an appointment and creates none.
 */
export const appointmentsCreated = new Counter({
  name: 'appointments_created_total',
  help:
    'Appointments created, counted once their transaction committed: source="booked" (bookAppointment) or ' +
    'source="imported" (importAppointment, history).',
  labelNames: ['source'] as const,
  registers: [metricsOf('appointments').registry],
});

/** Buckets of bill creation latency, in seconds: 50 ms to 10 minutes (automatic bills wait on the event pipeline). */
export const BILL_CREATION_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

/**
 * `bill_creation_latency_seconds{kind}`: for an automatic bill (`kind` CONSULTATION, LATE_CANCELLATION,
 * NO_SHOW), from the `occurredAt` of the appointment event that called for it to the commit of the consumer
 * transaction that issued it (the outbox, the broker and the consumer included); for a manual bill
 * (`kind="MANUAL"`, `createBill`), the duration of the service call, from its start to its commit.
 */
export const billCreationLatency = new Histogram({
  name: 'bill_creation_latency_seconds',
  help:
    'Seconds until a bill is committed, by bill kind. Automatic bills (CONSULTATION, LATE_CANCELLATION, ' +
    "NO_SHOW): from the appointment event's occurredAt to the commit of the transaction that issued the bill. " +
    'Manual bills (MANUAL, createBill): from the start of the createBill service call to its commit.',
  labelNames: ['kind'] as const,
  buckets: BILL_CREATION_BUCKETS_SECONDS,
  registers: [metricsOf('billing').registry],
});

/**
 * `payments_failed_total{method,reason}`: payments recorded `FAILED` (declined by the processor, unanswered in
 * time and cancelled, or the processor unreachable), by method and failure code (e.g. `CARD_DECLINED`,
 * `PROVIDER_TIMEOUT`, `PROVIDER_ERROR`). Requests refused before a payment exists (`OVERPAYMENT`, `BILL_VOID`, …)
 * are not payments and are not counted here (they are in `graphql_errors_total`); a replayed idempotent request
 * counts once.
 */
export const paymentsFailed = new Counter({
  name: 'payments_failed_total',
  help:
    'Payments recorded FAILED once committed, by method and reason (the failure code: the processor decline ' +
    'code, PROVIDER_TIMEOUT or PROVIDER_ERROR; at most 50 distinct reasons, then "(other)").',
  labelNames: ['method', 'reason'] as const,
  registers: [metricsOf('payments').registry],
});

const failureReasons = new BoundedLabel(50);

/** Counts one committed `FAILED` payment; `reason` (a processor's code) is bounded to 50 distinct values. */
export function countFailedPayment(method: string, reason: string | null): void {
  paymentsFailed.inc({ method, reason: failureReasons.value(reason ?? 'UNKNOWN') });
}

/** Records one committed bill of `kind`, `seconds` after what called for it (see `billCreationLatency`). */
export function observeBillCreation(kind: string, seconds: number): void {
  billCreationLatency.observe({ kind }, Math.max(0, seconds));
}
