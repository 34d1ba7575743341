/**
 * Per-caller request budgets at the gateway: a signed-in user may send `perUserPerMinute` requests in any rolling
 * minute, an anonymous client (keyed by its address) `anonymousPerMinute`. A request over budget is refused before
 * it is parsed, with HTTP 429, a `Retry-After` header (seconds) and the code `RATE_LIMITED`; nothing runs.
 *
 * Budgets are kept in each gateway replica's memory (rate-limiter-flexible's `RateLimiterMemory`): with N replicas
 * behind a load balancer, a caller gets up to N times the budget. Sign-in attempts are also limited per account by
 * identity itself (SPEC §2), whatever the replica.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { GraphQLError } from 'graphql';
import type { Principal } from '../platform/auth/principal.ts';
import { DomainError } from '../platform/errors.ts';

export const RATE_LIMITED = 'RATE_LIMITED';

export interface RateLimits {
  /** Requests per rolling minute per signed-in user; 0 turns the limit off. */
  perUserPerMinute: number;
  /** Requests per rolling minute per anonymous client address; 0 turns the limit off. */
  anonymousPerMinute: number;
}

export interface RateLimiter {
  /**
   * Takes one request from the caller's budget; throws a GraphQL error with code `RATE_LIMITED` (HTTP 429) when
   * it is spent, after calling `retryAfter` with the seconds until one request is allowed again.
   */
  consume(principal: Principal | null, address: string, retryAfter: (seconds: number) => void): Promise<void>;
}

export function createRateLimiter(limits: RateLimits): RateLimiter {
  const limiter = (points: number) =>
    points > 0 ? new RateLimiterMemory({ points, duration: 60, keyPrefix: 'gateway' }) : undefined;
  const users = limiter(limits.perUserPerMinute);
  const anonymous = limiter(limits.anonymousPerMinute);
  return {
    async consume(principal, address, retryAfter) {
      const budget = principal ? users : anonymous;
      if (!budget) return;
      const key = principal ? `user:${principal.userId}` : `address:${address}`;
      try {
        await budget.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        retryAfter(seconds);
        const message = `Too many requests; try again in ${seconds} s.`;
        throw new GraphQLError(message, {
          originalError: new DomainError(RATE_LIMITED, message, { retryAfterSeconds: seconds }),
          extensions: { code: RATE_LIMITED, http: { status: 429 } },
        });
      }
    },
  };
}
