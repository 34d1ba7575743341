import { describe, expect, it } from '@jest/globals';
import { chunks, forEachConcurrently } from './concurrency.ts';

describe('forEachConcurrently', () => {
  it('runs every task with no more than the limit in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const done: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, (item % 3) * 2));
      inFlight--;
      done.push(item);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(maxInFlight).toBe(3);
  });

  it('starts nothing new after a task throws and rethrows once the running tasks are done', async () => {
    const started: number[] = [];
    let running = 0;
    const run = forEachConcurrently([1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      running++;
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (item === 1) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(running).toBe(0);
    // Both workers started one item; the first failure stops them from taking more.
    expect(started).toEqual([1, 2]);
  });

  it('refuses a limit below one', async () => {
    await expect(forEachConcurrently([1], 0, async () => {})).rejects.toThrow(RangeError);
  });
});

describe('chunks', () => {
  it('slices a list into batches of at most the given size', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 100)).toEqual([]);
  });
});
