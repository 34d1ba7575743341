/**
 * Events over Apache Kafka (kafkajs). Topics of SPEC §6 and their dead-letter topics are created on start-up
 * when missing; the producer is idempotent with `acks: -1` and one request in flight, so a retried send
 * neither duplicates nor reorders messages; messages are keyed by aggregate id.
 */
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type IHeaders,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from '../logger.ts';
import { deadLetterTopicOf, TOPICS } from './envelope.ts';
import type { EventTransport, MessageHeaders, PartitionLag, Subscription, TransportMessage } from './transport.ts';

export interface KafkaTransportOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every consumer group id: `<prefix>.<groupId>`. */
  groupPrefix: string;
  /** Prepended to every topic name on the broker (`<prefix>appointment-events`); callers use the plain names. */
  topicPrefix?: string;
  partitions: number;
  replicationFactor: number;
  logger: Logger;
  /** How long `subscribe` waits for the consumer to join its group, in milliseconds. */
  joinTimeoutMs?: number;
}

const PINO_LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

export class KafkaTransport implements EventTransport {
  readonly kind = 'kafka' as const;
  readonly #options: KafkaTransportOptions;
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #consumers = new Set<Consumer>();
  readonly #opened: Promise<void>;
  #open!: () => void;
  #ready = false;
  #topics: Promise<void> | undefined;
  readonly #topicPrefix: string;
  /** Connected on the first lag query and kept for the next ones (metrics scrapes). */
  #admin: Promise<Admin> | undefined;

  constructor(options: KafkaTransportOptions) {
    this.#options = options;
    this.#topicPrefix = options.topicPrefix ?? '';
    const log = options.logger.child({ component: 'kafka' });
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: KafkaLogLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          log[PINO_LEVEL[level] ?? 'info'](rest, message);
        },
    });
    this.#producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#opened = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
  }

  async start(): Promise<void> {
    await this.#topicsOnce();
    await this.#producer.connect();
    this.#ready = true;
    this.#open();
  }

  /** Topics are ensured once per transport, before the first subscription or publication. */
  #topicsOnce(): Promise<void> {
    this.#topics ??= this.ensureTopics().catch((error: unknown) => {
      this.#topics = undefined;
      throw error;
    });
    return this.#topics;
  }

  /**
   * Creates the SPEC §6 topics and their dead-letter topics where they do not exist yet, and waits for their
   * partition leaders. Another process creating them at the same moment is fine.
   */
  async ensureTopics(): Promise<void> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const all = TOPICS.flatMap((topic) => [topic, deadLetterTopicOf(topic)]).map((topic) => this.brokerTopic(topic));
      const existing = new Set(await admin.listTopics());
      const wanted = all.filter((topic) => !existing.has(topic));
      if (wanted.length > 0) {
        await admin
          .createTopics({
            // Leaders are awaited below, with retries: kafkajs's own wait gives up on a topic whose metadata
            // has not reached the broker yet ("does not host this topic-partition") while others are created.
            waitForLeaders: false,
            topics: wanted.map((topic) => ({
              topic,
              numPartitions: this.#options.partitions,
              replicationFactor: this.#options.replicationFactor,
            })),
          })
          .catch((error: unknown) => {
            if (!String((error as Error).message).includes('already exists')) throw error;
          });
      }
      // Until every partition has a leader, a consumer subscribing to the topic is told it does not exist.
      await retry(async () => {
        const metadata = await admin.fetchTopicMetadata({ topics: all });
        const leaderless = metadata.topics.flatMap((topic) =>
          topic.partitions.filter((partition) => partition.leader < 0),
        );
        if (leaderless.length > 0) throw new Error('topics have partitions without a leader yet');
      });
    } finally {
      await admin.disconnect();
    }
  }

  async publish(messages: readonly TransportMessage[]): Promise<void> {
    await this.#opened;
    if (messages.length === 0) return;
    const byTopic = new Map<string, { key: string; value: string; headers?: IHeaders }[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      const headers = definedHeaders(message.headers);
      list.push({ key: message.key, value: JSON.stringify(message.value), ...(headers ? { headers } : {}) });
      byTopic.set(message.topic, list);
    }
    await this.#producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, topicMessages]) => ({
        topic: this.brokerTopic(topic),
        messages: topicMessages,
      })),
    });
  }

  async subscribe(subscription: Subscription): Promise<{ stop(): Promise<void> }> {
    await this.#topicsOnce();
    const consumer = this.#kafka.consumer({
      groupId: `${this.#options.groupPrefix}.${subscription.groupId}`,
      // An idle fetch returns after this long; disconnecting waits for it, so keep shutdown quick.
      maxWaitTimeInMs: 1_000,
    });
    this.#consumers.add(consumer);
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Kafka consumer ${subscription.groupId} did not join its group in time`)),
        this.#options.joinTimeoutMs ?? 60_000,
      );
      consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: subscription.topics.map((topic) => this.brokerTopic(topic)),
      fromBeginning: subscription.fromBeginning ?? true,
    });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const plain = topic.slice(this.#topicPrefix.length);
        await subscription.handle(
          plain,
          parseJson(message.value?.toString('utf8') ?? ''),
          textHeaders(message.headers),
        );
      },
    });
    await joined;
    return {
      stop: async () => {
        this.#consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  /** The name `topic` has on the broker. */
  brokerTopic(topic: string): string {
    return `${this.#topicPrefix}${topic}`;
  }

  /**
   * How far consumer group `groupId` (without the group prefix) is behind on `topics`: per partition, the high
   * watermark minus the group's committed offset (a group that has committed nothing yet counts from the oldest
   * message still on the partition).
   */
  async consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.#admin = undefined;
      throw error;
    });
    const admin = await this.#admin;
    const brokerTopics = topics.map((topic) => this.brokerTopic(topic));
    const [committed, ends] = await Promise.all([
      admin.fetchOffsets({ groupId: `${this.#options.groupPrefix}.${groupId}`, topics: brokerTopics }),
      Promise.all(brokerTopics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) }))),
    ]);
    return ends.flatMap(({ topic, partitions }) =>
      partitions.map((partition) => {
        const offset = committed
          .find((entry) => entry.topic === topic)
          ?.partitions.find((entry) => entry.partition === partition.partition)?.offset;
        const start = offset === undefined || Number(offset) < 0 ? Number(partition.low) : Number(offset);
        return {
          topic: topic.slice(this.#topicPrefix.length),
          partition: partition.partition,
          lag: Math.max(0, Number(partition.high) - start),
        };
      }),
    );
  }

  async stop(): Promise<void> {
    this.#ready = false;
    await Promise.all([...this.#consumers].map((consumer) => consumer.disconnect()));
    this.#consumers.clear();
    const admin = this.#admin;
    this.#admin = undefined;
    await admin?.then((connected) => connected.disconnect()).catch(() => undefined);
    await this.#producer.disconnect();
  }

  isReady(): boolean {
    return this.#ready;
  }
}

/** Parses a message value; a value that is not JSON is passed on as its text, for the consumer to dead-letter. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Headers with a value, for kafkajs (undefined when there are none). */
function definedHeaders(headers: MessageHeaders | undefined): IHeaders | undefined {
  if (!headers) return undefined;
  const entries = Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** A record's headers as text (the first value of a repeated header). */
function textHeaders(headers: IHeaders | undefined): MessageHeaders {
  const text: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name] = first.toString();
  }
  return text;
}

/** Retries `work` (up to 10 times, from 100 ms doubling to at most 2 s) while a fresh broker settles. */
async function retry(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
    }
  }
}
