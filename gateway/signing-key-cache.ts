/**
 * Identity's public signing keys as the gateway holds them: parsed once into key objects by `kid`, re-read in the
 * background when older than `maxAgeMs`, and re-read at once for a `kid` the cache does not know (a freshly
 * rotated key) — but after a re-read that did not find the `kid` asked for, not again for `missCooldownMs`:
 * unknown `kid`s are refused in between, so that made-up ones cannot keep identity busy.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Logger } from '../platform/logger.ts';

/** A published key: its `kid` and its public key in PEM (SPKI). */
export interface PublishedKey {
  kid: string;
  publicKeyPem: string;
}

export interface SigningKeyCacheOptions {
  /** Reads the published keys (identity's JWKS). */
  fetchKeys: () => Promise<PublishedKey[]>;
  /** Least time between two re-reads for unknown `kid`s, and between two failed or background re-reads (ms). */
  missCooldownMs: number;
  /** Keys are re-read in the background once the last read is this old (ms). */
  maxAgeMs: number;
  logger: Logger;
  /** The clock (ms); injected for tests. */
  now?: () => number;
}

export interface SigningKeyCache {
  /** The public key published under `kid`, or undefined when there is none (or a re-read is not allowed yet). */
  key(kid: string): Promise<KeyObject | undefined>;
}

export function createSigningKeyCache(options: SigningKeyCacheOptions): SigningKeyCache {
  const now = options.now ?? Date.now;
  let keys = new Map<string, KeyObject>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let missedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  /** Re-reads the keys; concurrent callers share one read. Keeps the keys it had when the read fails. */
  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      attemptedAt = now();
      try {
        const published = await options.fetchKeys();
        // A key already held is not parsed again.
        keys = new Map(published.map(({ kid, publicKeyPem }) => [kid, keys.get(kid) ?? createPublicKey(publicKeyPem)]));
        fetchedAt = now();
      } catch (error) {
        options.logger.warn({ err: error }, 'could not read the signing keys from identity');
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  return {
    async key(kid) {
      const known = keys.get(kid);
      if (known) {
        const stale = now() - fetchedAt > options.maxAgeMs;
        if (stale && !inFlight && now() - attemptedAt >= options.missCooldownMs) void refresh();
        return known;
      }
      if (!inFlight && now() - missedAt < options.missCooldownMs) return undefined;
      await refresh();
      const found = keys.get(kid);
      if (!found) missedAt = now();
      return found;
    },
  };
}
