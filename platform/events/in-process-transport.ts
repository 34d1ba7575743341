/**
 * Events inside one process, for the embedded default. `publish` hands each message to every subscribed group
 * in turn and waits for it to be handled, the way an acknowledged Kafka write followed by consumers would
 * look from the outbox's side: a message the relay has marked published has been handled (or dead-lettered).
 * Headers travel with the message as on Kafka.
 */
import type { EventTransport, MessageHeaders, PartitionLag, Subscription, TransportMessage } from './transport.ts';

export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process' as const;
  readonly #subscriptions = new Set<Subscription>();
  /** Messages handed to `publish` and not yet handled, per consumer group and topic: the in-process lag. */
  readonly #waiting = new Map<string, Map<string, number>>();
  readonly #opened: Promise<void>;
  #open!: () => void;
  #ready = false;

  constructor() {
    this.#opened = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
  }

  async publish(messages: readonly TransportMessage[]): Promise<void> {
    await this.#opened;
    // Who receives the batch is settled when it is published, so that what waits for each group can be counted.
    const deliveries = messages.flatMap((message) =>
      [...this.#subscriptions]
        .filter((subscription) => subscription.topics.includes(message.topic))
        .map((subscription) => ({ message, subscription })),
    );
    for (const { message, subscription } of deliveries) this.#count(subscription.groupId, message.topic, +1);
    // Deliveries not reached (a handler threw) are not waiting any more: the relay publishes them again.
    const notReached = new Set(deliveries);
    try {
      for (const delivery of deliveries) {
        notReached.delete(delivery);
        const { message, subscription } = delivery;
        try {
          // A subscription stopped meanwhile receives nothing more.
          if (!this.#subscriptions.has(subscription)) continue;
          // A copy, as a broker would deliver: no subscriber can change what another one sees.
          const headers: MessageHeaders | undefined = message.headers ? { ...message.headers } : undefined;
          await subscription.handle(message.topic, structuredClone(message.value), headers);
        } finally {
          this.#count(subscription.groupId, message.topic, -1);
        }
      }
    } finally {
      for (const { message, subscription } of notReached) this.#count(subscription.groupId, message.topic, -1);
    }
  }

  async subscribe(subscription: Subscription): Promise<{ stop(): Promise<void> }> {
    this.#subscriptions.add(subscription);
    return {
      stop: async () => {
        this.#subscriptions.delete(subscription);
      },
    };
  }

  async start(): Promise<void> {
    this.#ready = true;
    this.#open();
  }

  async stop(): Promise<void> {
    this.#ready = false;
    this.#subscriptions.clear();
  }

  isReady(): boolean {
    return this.#ready;
  }

  /** Messages published to `topics` that group `groupId` has not handled yet; one "partition", 0, per topic. */
  async consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const waiting = this.#waiting.get(groupId);
    return topics.map((topic) => ({ topic, partition: 0, lag: waiting?.get(topic) ?? 0 }));
  }

  #count(groupId: string, topic: string, change: number): void {
    const byTopic = this.#waiting.get(groupId) ?? new Map<string, number>();
    byTopic.set(topic, Math.max(0, (byTopic.get(topic) ?? 0) + change));
    this.#waiting.set(groupId, byTopic);
  }
}
