/**
 * How events travel between processes: Kafka when `KAFKA_BROKERS` is set (`kafka-transport.ts`), in-process
 * otherwise (`in-process-transport.ts`). Producers only ever publish through the outbox relay; consumers
 * receive through `consumer.ts`, which makes handling idempotent.
 */

/**
 * One message on a topic. `value` is JSON-serializable (an event envelope, or a dead letter); `headers` travel
 * beside it (Kafka record headers), e.g. the W3C `traceparent` of the event.
 */
export interface TransportMessage {
  topic: string;
  key: string;
  value: object;
  headers?: MessageHeaders;
}

/** Message headers as text (Kafka header values are decoded as UTF-8). */
export type MessageHeaders = Record<string, string | undefined>;

/** Called for each message a subscription receives; resolves once the message is handled. */
export type MessageHandler = (topic: string, value: unknown, headers?: MessageHeaders) => Promise<void>;

/** How far one consumer group is behind on one partition of a topic. */
export interface PartitionLag {
  /** The plain topic name (without any deployment prefix). */
  topic: string;
  partition: number;
  /** Messages on the partition the group has not committed yet. */
  lag: number;
}

export interface Subscription {
  /** Consumer group: every group receives every message once; members of one group share the work. */
  groupId: string;
  topics: readonly string[];
  handle: MessageHandler;
  /**
   * Where a new consumer group starts: at the oldest message (default; read models want the whole history) or
   * only at messages published from now on (a gateway replica that only cares about what happens next).
   */
  fromBeginning?: boolean;
}

export interface EventTransport {
  readonly kind: 'kafka' | 'in-process';
  /**
   * Delivers messages to the broker in order. Waits until `start()` has been called, so that in-process
   * subscribers that start later do not miss messages.
   */
  publish(messages: readonly TransportMessage[]): Promise<void>;
  /** Starts receiving for a consumer group. */
  subscribe(subscription: Subscription): Promise<{ stop(): Promise<void> }>;
  /** Opens publishing (and connects to the broker where there is one). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while the transport can publish (used by readiness checks). */
  isReady(): boolean;
  /** How far consumer group `groupId` is behind on `topics`, per partition (for metrics; may be slow, may fail). */
  consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
}
