import { describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { RevocationList, uuidV7Time } from './revocations.ts';

const user = '0192f000-0000-7000-8000-000000000001';
const sessionAt = (ms: number) => uuidv7({ msecs: ms });

describe('the revocation list', () => {
  it('reads the start time out of a UUIDv7 session id', () => {
    expect(uuidV7Time(sessionAt(1_795_000_000_123))).toBe(1_795_000_000_123);
  });

  it('refuses every token of a revoked session, whenever it was issued', () => {
    const list = new RevocationList(60_000);
    const session = sessionAt(1_000_000);
    list.add({
      userId: user,
      sessionId: session,
      exceptSessionId: null,
      revokedAt: new Date(2_000_000).toISOString(),
      reason: 'SIGN_OUT',
    });
    expect(list.isRevoked({ userId: user, sessionId: session }, 3_000)).toBe(true);
    expect(list.isRevoked({ userId: user, sessionId: sessionAt(1_500_000) }, 3_000)).toBe(false);
  });

  it('refuses sessions a user-wide revocation covers, except the one it spares and later ones', () => {
    const list = new RevocationList(60_000);
    const kept = sessionAt(1_000_000);
    list.add({
      userId: user,
      sessionId: null,
      exceptSessionId: kept,
      revokedAt: new Date(2_000_000).toISOString(),
      reason: 'PASSWORD_CHANGED',
    });
    expect(list.isRevoked({ userId: user, sessionId: sessionAt(1_999_999) }, 2_100)).toBe(true);
    expect(list.isRevoked({ userId: user, sessionId: kept }, 2_100)).toBe(false);
    expect(list.isRevoked({ userId: user, sessionId: sessionAt(2_000_001) }, 2_100)).toBe(false);
    expect(list.isRevoked({ userId: '0192f000-0000-7000-8000-000000000002', sessionId: sessionAt(1_000) }, 2_100)).toBe(
      false,
    );
  });

  it('forgets entries once every token they covered has expired', () => {
    const list = new RevocationList(60_000);
    list.add({
      userId: user,
      sessionId: sessionAt(1),
      exceptSessionId: null,
      revokedAt: new Date(1_000_000).toISOString(),
      reason: 'SIGN_OUT',
    });
    list.add({
      userId: user,
      sessionId: null,
      exceptSessionId: null,
      revokedAt: new Date(1_000_000).toISOString(),
      reason: 'USER_DISABLED',
    });
    list.prune(1_000_000 + 59_000);
    expect(list.size).toBe(2);
    list.prune(1_000_000 + 61_000);
    expect(list.size).toBe(0);
  });

  it('keeps one entry per revocation however often the snapshot repeats it', () => {
    const list = new RevocationList(60_000);
    const revocations = [
      {
        userId: user,
        sessionId: sessionAt(1),
        exceptSessionId: null,
        revokedAt: new Date(1_000_000).toISOString(),
        reason: 'SIGN_OUT' as const,
      },
      {
        userId: user,
        sessionId: null,
        exceptSessionId: sessionAt(2),
        revokedAt: new Date(1_000_000).toISOString(),
        reason: 'PASSWORD_CHANGED' as const,
      },
    ];
    for (let reload = 0; reload < 20; reload++) for (const revocation of revocations) list.add(revocation);
    expect(list.size).toBe(2);
    list.add({ ...revocations[1]!, revokedAt: new Date(1_000_001).toISOString() });
    expect(list.size).toBe(3);
  });

  it('keeps an entry until the retainUntil identity sent, not its own estimate', () => {
    const list = new RevocationList(60_000);
    list.add({
      userId: user,
      sessionId: null,
      exceptSessionId: null,
      revokedAt: new Date(1_000_000).toISOString(),
      reason: 'USER_DISABLED',
      retainUntil: new Date(1_000_000 + 120_000).toISOString(),
    });
    list.prune(1_000_000 + 61_000);
    expect(list.isRevoked({ userId: user, sessionId: sessionAt(999_000) }, 1_000)).toBe(true);
    list.prune(1_000_000 + 121_000);
    expect(list.size).toBe(0);
  });
});
