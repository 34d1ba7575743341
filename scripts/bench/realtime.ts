/**
 * The realtime scenario of `npm run bench`, run in the load generator (`load.ts`) so that its clients never share
 * the graph's event loop:
 *
 * - **Subscription delivery.** `subscribers` graphql-ws clients (`platform/testing/live-feed.ts`), one connection
 *   each, all subscribed to `appointmentUpdated`. One mutation at a time over HTTP (`acceptAppointment` on a PENDING
 *   appointment): `t` is taken when the mutation's response has been read, then every subscriber's CONFIRMED message
 *   for that appointment is awaited (at most `timeoutMs`, else it is lost); each subscriber's latency is its
 *   message's `receivedAt − t`, kept as it is even when negative (the message beat the response).
 * - **kafkajs's own produce→consume latency** on the same broker: a topic of one partition, an idempotent producer
 *   with `acks: -1` (as `platform/events/kafka-transport.ts` publishes) and a consumer in a group of its own, one
 *   message at a time; latency = consumption − the moment just before `send`.
 *
 * Both have a warm-up of `warmup` rounds before the `events` measured ones, and return raw latencies.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { connectLive, type LiveClient, type LiveFeed, type LiveMessage } from '../../platform/testing/live-feed.ts';

const APPOINTMENT_UPDATED = `subscription BenchUpdates {
  appointmentUpdated { eventId type appointment { id status } }
}`;
const ACCEPT = `mutation BenchAccept($id: ID!) { acceptAppointment(id: $id) { id status } }`;

interface AppointmentUpdated {
  appointmentUpdated?: { eventId: string; type: string; appointment?: { id: string; status: string } | null } | null;
}

export interface RealtimeJobOptions {
  /** The gateway's HTTP endpoint; subscribers connect to its WebSocket twin. */
  url: string;
  /** Sends the mutations (an admin). */
  adminToken: string;
  /** Every subscriber's token (reception staff: told of every appointment's transitions). */
  subscriberToken: string;
  subscribers: number;
  /** PENDING appointments to accept: the first `warmup` in the warm-up, the next `events` measured. */
  appointmentIds: string[];
  warmup: number;
  events: number;
  /** How long a delivery (or a Kafka message) may take before it counts as lost, ms. */
  timeoutMs: number;
  kafka: { brokers: string[]; topic: string; groupId: string; replicationFactor: number };
}

export interface DeliveryRunResult {
  subscribers: number;
  /** Clients whose `connection_init` the gateway acknowledged. */
  connected: number;
  /** Subscribers that received a warm-up event: registered with the gateway, end to end. */
  registered: number;
  /** Deliveries lost in the warm-up after the subscriber's first warm-up event (before it, it may not be registered). */
  warmup: { mutations: number; errors: Record<string, number>; lost: number };
  /** Measured mutations sent: none unless every subscriber registered in the warm-up. */
  mutations: number;
  /** Failed mutations, by `extensions.code` (or `HTTP <status>`, `NOT_CONFIRMED`, the network error). */
  errors: Record<string, number>;
  /** Deliveries of the measured part (subscriber × successful mutation) not received within the timeout. */
  lost: number;
  /** Messages with errors, or about a confirmation whose appointment is not CONFIRMED. */
  badMessages: number;
  /** Subscriptions ended (by the server or their socket) before the run was over. */
  ended: number;
  /** `receivedAt − t` of every measured delivery, ms: negative when the message arrived before the response. */
  latenciesMs: number[];
  /** Per measured mutation, the latency of its first and of its last subscriber's message, ms. */
  firstLatenciesMs: number[];
  lastLatenciesMs: number[];
  /** Each measured mutation's own latency (request sent → response read), ms. */
  mutationLatenciesMs: number[];
  /** Wall time of the measured part, s. */
  seconds: number;
}

export interface KafkaLatencyResult {
  warmup: number;
  messages: number;
  lostInWarmup: number;
  lost: number;
  /** Consumption − the moment before `send`, of every measured message, ms. */
  latenciesMs: number[];
}

/** `promise`, or a rejection after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const count = (tally: Record<string, number>, key: string) => (tally[key] = (tally[key] ?? 0) + 1);

/** One `acceptAppointment` over HTTP: when it was sent and when its response had been read, or why it failed. */
async function accept(
  url: string,
  token: string,
  id: string,
): Promise<{ sentAt: number; readAt: number; problem?: string }> {
  const sentAt = performance.now();
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: ACCEPT, variables: { id } }),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    return { sentAt, readAt: performance.now(), problem: error instanceof Error ? error.message : String(error) };
  }
  const readAt = performance.now();
  if (status !== 200) return { sentAt, readAt, problem: `HTTP ${status}` };
  let body: {
    data?: { acceptAppointment?: { status?: string } } | null;
    errors?: { extensions?: { code?: string } }[];
  };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { sentAt, readAt, problem: 'UNPARSEABLE_RESPONSE' };
  }
  if (body.errors?.length) return { sentAt, readAt, problem: body.errors[0]!.extensions?.code ?? 'NO_CODE' };
  if (body.data?.acceptAppointment?.status !== 'CONFIRMED') return { sentAt, readAt, problem: 'NOT_CONFIRMED' };
  return { sentAt, readAt };
}

const confirmationOf = (id: string) => (message: LiveMessage<AppointmentUpdated>) =>
  message.data?.appointmentUpdated?.type === 'CONFIRMED' && message.data.appointmentUpdated.appointment?.id === id;

/** Connects the subscribers, warms up, then measures delivery; the clients are closed whatever happens. */
export async function measureDelivery(options: RealtimeJobOptions): Promise<DeliveryRunResult> {
  const result: DeliveryRunResult = {
    subscribers: options.subscribers,
    connected: 0,
    registered: 0,
    warmup: { mutations: 0, errors: {}, lost: 0 },
    mutations: 0,
    errors: {},
    lost: 0,
    badMessages: 0,
    ended: 0,
    latenciesMs: [],
    firstLatenciesMs: [],
    lastLatenciesMs: [],
    mutationLatenciesMs: [],
    seconds: 0,
  };
  if (options.appointmentIds.length < options.warmup + options.events) {
    throw new Error(`${options.appointmentIds.length} appointments for ${options.warmup + options.events} mutations`);
  }
  const clients: LiveClient[] = Array.from({ length: options.subscribers }, () =>
    connectLive(options.url, options.subscriberToken),
  );
  try {
    const connections = await Promise.allSettled(
      clients.map((client) => within(client.connected, options.timeoutMs, 'connection_init')),
    );
    result.connected = connections.filter((connection) => connection.status === 'fulfilled').length;
    const feeds = clients.map((client) => client.subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED));

    /** One mutation, then every subscriber's message about it: its `receivedAt`, or undefined when lost. */
    const round = async (id: string) => {
      const answer = await accept(options.url, options.adminToken, id);
      if (answer.problem) return { answer, arrivals: [] };
      const arrivals = await Promise.all(
        feeds.map((feed: LiveFeed<AppointmentUpdated>) =>
          feed.until(confirmationOf(id), options.timeoutMs).then(
            (message) => message.receivedAt,
            () => undefined,
          ),
        ),
      );
      return { answer, arrivals };
    };

    // Warm-up: also proves that every subscriber is registered, end to end.
    const firstSeen: (number | undefined)[] = new Array(options.subscribers).fill(undefined);
    for (const [index, id] of options.appointmentIds.slice(0, options.warmup).entries()) {
      const { answer, arrivals } = await round(id);
      result.warmup.mutations++;
      if (answer.problem) {
        count(result.warmup.errors, answer.problem);
        continue;
      }
      arrivals.forEach((receivedAt, subscriber) => {
        if (receivedAt !== undefined) firstSeen[subscriber] ??= index;
        else if (firstSeen[subscriber] !== undefined) result.warmup.lost++;
      });
    }
    result.registered = firstSeen.filter((index) => index !== undefined).length;

    if (result.registered === options.subscribers) {
      const startedAt = performance.now();
      for (const id of options.appointmentIds.slice(options.warmup, options.warmup + options.events)) {
        const { answer, arrivals } = await round(id);
        result.mutations++;
        if (answer.problem) {
          count(result.errors, answer.problem);
          continue;
        }
        result.mutationLatenciesMs.push(answer.readAt - answer.sentAt);
        const latencies: number[] = [];
        for (const receivedAt of arrivals) {
          if (receivedAt === undefined) result.lost++;
          else latencies.push(receivedAt - answer.readAt);
        }
        result.latenciesMs.push(...latencies);
        if (latencies.length > 0) {
          result.firstLatenciesMs.push(Math.min(...latencies));
          result.lastLatenciesMs.push(Math.max(...latencies));
        }
      }
      result.seconds = (performance.now() - startedAt) / 1000;
    }

    for (const feed of feeds) {
      if (feed.completed) result.ended++;
      for (const message of feed.messages) {
        const update = message.data?.appointmentUpdated;
        if (message.errors?.length || (update?.type === 'CONFIRMED' && update.appointment?.status !== 'CONFIRMED')) {
          result.badMessages++;
        }
      }
    }
    return result;
  } finally {
    await Promise.all(clients.map((client) => client.dispose().catch(() => {})));
  }
}

/**
 * kafkajs's own produce→consume latency: a fresh topic of one partition, a producer as the outbox relay's (idempotent,
 * `acks: -1`, one request in flight) and a consumer in its own group that starts at the end of the topic (it has
 * joined and fetched once before the first message is sent). Messages go one at a time, each after the previous one
 * was consumed. The topic and the group are deleted afterwards.
 */
export async function measureKafkaLatency(options: {
  brokers: string[];
  topic: string;
  groupId: string;
  replicationFactor: number;
  warmup: number;
  messages: number;
  timeoutMs: number;
}): Promise<KafkaLatencyResult> {
  const { topic } = options;
  const result: KafkaLatencyResult = {
    warmup: options.warmup,
    messages: options.messages,
    lostInWarmup: 0,
    lost: 0,
    latenciesMs: [],
  };
  const kafka = new Kafka({ clientId: 'hms-bench-latency', brokers: options.brokers, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: options.replicationFactor }],
      waitForLeaders: true,
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    // As the graph's consumers (`kafka-transport.ts`): an idle fetch returns after 1 s, a message at once.
    const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 1_000 });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    // The first fetch has resolved the group's starting offset (the end of the topic): nothing sent after it is missed.
    const fetched = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH, () => resolve()));
    const waiting = new Map<number, (at: number) => void>();
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const at = performance.now();
          const { seq } = JSON.parse(message.value?.toString('utf8') ?? '{}') as { seq?: number };
          if (seq !== undefined) waiting.get(seq)?.(at);
        },
      });
      await within(joined, 60_000, 'the latency consumer joining its group');
      await within(fetched, 30_000, "the latency consumer's first fetch");
      for (let seq = 0; seq < options.warmup + options.messages; seq++) {
        const consumed = new Promise<number>((resolve) => waiting.set(seq, resolve));
        const sentAt = performance.now();
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: 'bench-latency', value: JSON.stringify({ seq, sentAt }) }],
        });
        const at = await within(consumed, options.timeoutMs, `message ${seq}`).catch(() => undefined);
        waiting.delete(seq);
        const measured = seq >= options.warmup;
        if (at === undefined) {
          if (measured) result.lost++;
          else result.lostInWarmup++;
        } else if (measured) {
          result.latenciesMs.push(at - sentAt);
        }
      }
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.deleteGroups([options.groupId]).catch(() => {});
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch((error: unknown) => {
      process.stderr.write(`bench: could not delete the topic ${topic}: ${String(error)}\n`);
    });
    await admin.disconnect();
  }
  return result;
}
