/**
 * Running a transaction again when PostgreSQL aborted it because of a concurrent one. Two bookings of one patient at
 * one time with different doctors each insert a row the other's exclusion constraint must wait for: PostgreSQL
 * breaks the cycle by aborting one (deadlock_detected). Run again, it sees the other's committed row and gets the
 * rule's own answer (PATIENT_DOUBLE_BOOKED) instead of an error.
 */
import { isTransientTransactionError } from '../errors.ts';

/**
 * Runs `transaction` (a whole `em.transactional(…)`) up to `attempts` times while it fails with a deadlock or a
 * serialization failure, after a short random pause each time.
 *
 * @throws the last error when every attempt failed, or at once any other error.
 */
export async function retryingTransientFailures<T>(transaction: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isTransientTransactionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
