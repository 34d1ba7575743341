import { describe, expect, it } from '@jest/globals';
import { EventHub, SubscriberOverflowError } from './event-hub.ts';

describe('EventHub', () => {
  it('gives each subscriber the events its filter accepts, in order', async () => {
    const hub = new EventHub<number>();
    const even = hub.subscribe((n) => n % 2 === 0);
    const all = hub.subscribe(() => true);
    for (const n of [1, 2, 3, 4]) hub.publish(n);
    expect([(await even.next()).value, (await even.next()).value]).toEqual([2, 4]);
    expect(all.backlog).toBe(4);
    expect((await all.next()).value).toBe(1);
  });

  it('delivers to a subscriber that is already waiting', async () => {
    const hub = new EventHub<string>();
    const subscriber = hub.subscribe(() => true);
    const next = subscriber.next();
    hub.publish('booked');
    await expect(next).resolves.toEqual({ value: 'booked', done: false });
  });

  it('never waits for a subscriber that does not read, and ends it once it is too far behind', async () => {
    const hub = new EventHub<number>({ capacity: 3 });
    const slow = hub.subscribe(() => true);
    const fast = hub.subscribe(() => true);
    const received: number[] = [];
    const reading = (async () => {
      for await (const n of fast) {
        received.push(n);
        if (n === 10) return;
      }
    })();
    for (let n = 1; n <= 10; n++) {
      hub.publish(n);
      await Promise.resolve();
    }
    await reading;
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The slow one was ended at its fourth waiting event and learns why on its next read.
    await expect(slow.next()).rejects.toBeInstanceOf(SubscriberOverflowError);
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
    expect(hub.size).toBe(0);
  });

  it('forgets a subscriber that returns, and ends every stream on close', async () => {
    const hub = new EventHub<number>();
    const leaving = hub.subscribe(() => true);
    const staying = hub.subscribe(() => true);
    await leaving.return?.();
    expect(hub.size).toBe(1);
    const waiting = staying.next();
    hub.close();
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    expect(hub.size).toBe(0);
  });

  it('treats a filter that throws as a refusal', async () => {
    const hub = new EventHub<number>();
    const subscriber = hub.subscribe(() => {
      throw new Error('bad filter');
    });
    hub.publish(1);
    expect(subscriber.backlog).toBe(0);
  });
});
