/**
 * Fan-out of live events to subscribers in one gateway process. `publish` hands an event to every subscriber whose
 * filter accepts it and returns at once: each subscriber has its own bounded queue, drained by its own
 * `graphql-ws` subscription loop, so one slow subscriber (a client that does not read, a payload that is slow to
 * resolve) never holds up the others or the Kafka consumer feeding the hub. A subscriber that falls more than
 * `capacity` events behind is ended with `SubscriberOverflowError` (its client is told, and may subscribe again and
 * refetch); the others go on.
 */

/** Ends a subscription whose subscriber fell too far behind. */
export class SubscriberOverflowError extends Error {
  constructor(capacity: number) {
    super(
      `More than ${capacity} events were waiting for this subscription, so it was ended: subscribe again and refetch what you show.`,
    );
    this.name = 'SubscriberOverflowError';
  }
}

/** One subscriber's stream of events: an async iterator that ends when the subscriber or the hub stops. */
export interface Subscriber<Event> extends AsyncIterableIterator<Event> {
  /** Events queued and not yet taken. */
  readonly backlog: number;
}

export interface EventHubOptions {
  /** Events a subscriber may have waiting before it is ended (default 256). */
  capacity?: number;
}

export class EventHub<Event> {
  readonly #capacity: number;
  readonly #subscribers = new Set<SubscriberQueue<Event>>();

  constructor(options: EventHubOptions = {}) {
    this.#capacity = options.capacity ?? 256;
  }

  /** Number of live subscribers. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Subscribes; `accepts` decides (synchronously) which events this subscriber receives. */
  subscribe(accepts: (event: Event) => boolean): Subscriber<Event> {
    const queue = new SubscriberQueue<Event>(accepts, this.#capacity, () => this.#subscribers.delete(queue));
    this.#subscribers.add(queue);
    return queue;
  }

  /** Offers `event` to every subscriber; never waits for any of them. */
  publish(event: Event): void {
    for (const subscriber of this.#subscribers) subscriber.offer(event);
  }

  /** Ends every subscriber's stream (the gateway is stopping). */
  close(): void {
    for (const subscriber of [...this.#subscribers]) void subscriber.return();
  }
}

class SubscriberQueue<Event> implements Subscriber<Event> {
  readonly #accepts: (event: Event) => boolean;
  readonly #capacity: number;
  readonly #detach: () => void;
  readonly #events: Event[] = [];
  #waiting: ((result: IteratorResult<Event>) => void) | undefined;
  #done = false;
  #overflow: SubscriberOverflowError | undefined;

  constructor(accepts: (event: Event) => boolean, capacity: number, detach: () => void) {
    this.#accepts = accepts;
    this.#capacity = capacity;
    this.#detach = detach;
  }

  get backlog(): number {
    return this.#events.length;
  }

  offer(event: Event): void {
    if (this.#done) return;
    let accepted: boolean;
    try {
      accepted = this.#accepts(event);
    } catch {
      accepted = false;
    }
    if (!accepted) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.#events.length >= this.#capacity) {
      this.#overflow = new SubscriberOverflowError(this.#capacity);
      this.#events.length = 0;
      this.#finish();
      return;
    }
    this.#events.push(event);
  }

  next(): Promise<IteratorResult<Event>> {
    const event = this.#events.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#overflow) {
      const error = this.#overflow;
      this.#overflow = undefined;
      return Promise.reject(error);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    // Someone waits only on an empty queue, so an overflow (a full queue) never happens while they wait.
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<Event>> {
    this.#events.length = 0;
    this.#overflow = undefined;
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<Event>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#detach();
    const resolve = this.#waiting;
    this.#waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
