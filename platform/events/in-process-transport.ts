/**
 * Events inside one process, for the embedded default. `publish` hands each message to every subscribed group
 * in turn and waits for it to be handled, the way an acknowledged Kafka write followed by consumers would
 * look from the outbox's side: a message the relay has marked published has been handled (or dead-lettered).
 */
import type { EventTransport, Subscription, TransportMessage } from './transport.ts';

export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process' as const;
  readonly #subscriptions = new Set<Subscription>();
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
    for (const message of messages) {
      for (const subscription of this.#subscriptions) {
        if (!subscription.topics.includes(message.topic)) continue;
        // A copy, as a broker would deliver: no subscriber can change what another one sees.
        await subscription.handle(message.topic, structuredClone(message.value));
      }
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
}
