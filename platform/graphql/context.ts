/**
 * What every request context carries, in the gateway and in every subgraph. Subgraph contexts extend it with
 * their forked entity manager, DataLoaders and services (see each subgraph's `subgraph.ts`).
 */
import type { ClinicalReadLog } from '../audit/clinical-reads.ts';
import type { OperationLog } from '../audit/operations.ts';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../logger.ts';

export interface RequestContext {
  /** The verified caller, or null when anonymous. */
  principal: Principal | null;
  /** Ties together every log line and event caused by one client request, across processes. */
  correlationId: string;
  /** This hop's id. */
  requestId: string;
  /**
   * The client's `Idempotency-Key` HTTP header, forwarded by the gateway to every subgraph the request reaches;
   * null when the client sent none. Only operations that promise idempotency (`payBill`) read it.
   */
  idempotencyKey: string | null;
  logger: Logger;
  /**
   * The clinical data this request has read (`platform/audit/clinical-reads.ts`), written as access events before
   * the response is sent. Set by the subgraph server; absent in the gateway and in consumers.
   */
  clinicalReads?: ClinicalReadLog;
  /**
   * The mutations this request performed, with their outcomes (`platform/audit/operations.ts`), written as
   * `OperationPerformed` events before the response is sent. Set by the subgraph server.
   */
  operations?: OperationLog;
}

/** The parts of a request context a service needs to act for the caller and describe what it did. */
export interface Actor {
  principal: Principal | null;
  correlationId: string;
}
