import { describe, expect, it } from '@jest/globals';
import { retryingTransientFailures } from './transactions.ts';

const pgError = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), { code });

describe('running a transaction again after a concurrent one aborted it', () => {
  it('runs it again after a deadlock or a serialization failure, and returns what the next attempt returns', async () => {
    const failures = [pgError('40P01'), pgError('40001')];
    let attempts = 0;
    const result = await retryingTransientFailures(async () => {
      attempts++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'booked';
    });
    expect({ result, attempts }).toEqual({ result: 'booked', attempts: 3 });
  });

  it('gives up after the last attempt, and never retries any other error', async () => {
    let attempts = 0;
    await expect(
      retryingTransientFailures(async () => {
        attempts++;
        throw pgError('40P01');
      }, 3),
    ).rejects.toThrow('SQLSTATE 40P01');
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(
      retryingTransientFailures(async () => {
        attempts++;
        throw pgError('23P01');
      }),
    ).rejects.toThrow('SQLSTATE 23P01');
    expect(attempts).toBe(1);
  });
});
