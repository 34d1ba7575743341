/**
 * Kafka for `npm run bench`, on the benchmark's side: a broker of its own (`.ci/kafka.sh`) when `KAFKA_BROKERS` is
 * not set, the wait until the graph has handled every event of the booking run, and the removal of the run's topics
 * and consumer groups from a broker the benchmark did not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { onServer } from '../../platform/testing/database.ts';

const KAFKA_SCRIPT = fileURLToPath(new URL('../../.ci/kafka.sh', import.meta.url));

/**
 * Where the benchmark's own broker lives: apart from a developer's broker (`.ci/kafka.sh`'s defaults, port 9092),
 * reusing its download cache.
 */
export const OWN_BROKER = {
  homeDir: '/tmp/hms-bench-kafka',
  port: 19092,
  mavenRepo: '/tmp/hms-kafka/m2',
} as const;

export interface OwnBroker {
  /** The bootstrap address once the broker is ready (`.ci/kafka.sh start` printed it). */
  ready: Promise<string>;
  /** Stops the start if it still runs, then the broker; removes its data. Safe to call again. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/**
 * Starts a single-node KRaft broker with `.ci/kafka.sh start` on 127.0.0.1:`OWN_BROKER.port`. The script runs in a
 * process group of its own, so that a Ctrl-C meant for the benchmark does not cut it short: the benchmark's clean-up
 * stops it (and the broker) instead. Its progress goes to stderr.
 */
export function startOwnBroker(): OwnBroker {
  const env = {
    ...process.env,
    KAFKA_HOME_DIR: OWN_BROKER.homeDir,
    KAFKA_PORT: String(OWN_BROKER.port),
    KAFKA_CONTROLLER_PORT: String(OWN_BROKER.port + 1),
    KAFKA_MAVEN_REPO: OWN_BROKER.mavenRepo,
  };
  const start = spawn('bash', [KAFKA_SCRIPT, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  let stdout = '';
  start.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const ready = new Promise<string>((resolve, reject) => {
    start.once('error', reject);
    start.once('close', (code, signal) => {
      const address = stdout.trim().split('\n').at(-1)?.trim();
      if (code === 0 && address) resolve(address);
      else reject(new Error(`.ci/kafka.sh start failed (${signal ?? `exit ${code}`})`));
    });
  });
  ready.catch(() => {});

  const stopOnce = async () => {
    if (start.pid !== undefined && start.exitCode === null && start.signalCode === null) {
      // Still starting: end the script and whatever it runs (its readiness check holds the script's lock).
      try {
        process.kill(-start.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await exited(start);
    }
    const stop = spawn('bash', [KAFKA_SCRIPT, 'stop'], { env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
    const code = await new Promise<number | null>((resolve, reject) => {
      stop.once('error', reject);
      stop.once('close', resolve);
    });
    if (code !== 0) throw new Error(`.ci/kafka.sh stop failed (exit ${code})`);
  };
  let stopped: Promise<void> | undefined;
  return { ready, stop: () => (stopped ??= stopOnce()) };
}

/** What the graph still has to do with events: unpublished outbox rows and messages its consumer groups have not read. */
export interface EventBacklog {
  unpublished: number;
  unconsumed: number;
}

/**
 * The events still on their way in the run's graph: unpublished rows of every schema's `outbox_message`, and for
 * every consumer group of the run (`groupPrefix`), the messages of its assigned partitions past its committed
 * offset (a partition it has committed nothing on yet counts as read).
 */
export async function eventBacklog(options: {
  brokers: string[];
  groupPrefix: string;
  databaseUrl: string;
}): Promise<EventBacklog> {
  const unpublished = await onServer(options.databaseUrl, async (client) => {
    const schemas = await client.query<{ schema: string }>(
      `select table_schema as schema from information_schema.tables where table_name = 'outbox_message'`,
    );
    let total = 0;
    for (const { schema } of schemas.rows) {
      const result = await client.query<{ count: number }>(
        `select count(*)::int as count from "${schema}".outbox_message where published_at is null`,
      );
      total += result.rows[0]!.count;
    }
    return total;
  });
  const kafka = new Kafka({ clientId: 'hms-bench', brokers: options.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groupIds = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((groupId) => groupId.startsWith(`${options.groupPrefix}.`));
    const { groups } = await admin.describeGroups(groupIds);
    const highWatermarks = new Map<string, Map<number, number>>();
    const high = async (topic: string, partition: number): Promise<number> => {
      if (!highWatermarks.has(topic)) {
        const offsets = await admin.fetchTopicOffsets(topic);
        highWatermarks.set(topic, new Map(offsets.map((offset) => [offset.partition, Number(offset.high)])));
      }
      return highWatermarks.get(topic)!.get(partition) ?? 0;
    };
    let unconsumed = 0;
    for (const group of groups) {
      const assigned = new Map<string, Set<number>>();
      for (const member of group.members) {
        const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
          const set = assigned.get(topic) ?? new Set<number>();
          for (const partition of partitions) set.add(partition);
          assigned.set(topic, set);
        }
      }
      if (assigned.size === 0) continue;
      const committed = await admin.fetchOffsets({ groupId: group.groupId, topics: [...assigned.keys()] });
      for (const { topic, partitions } of committed) {
        for (const { partition, offset } of partitions) {
          if (!assigned.get(topic)?.has(partition) || Number(offset) < 0) continue;
          unconsumed += Math.max(0, (await high(topic, partition)) - Number(offset));
        }
      }
    }
    return { unpublished, unconsumed };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the graph has published and consumed every event (`eventBacklog` empty twice in a row, 250 ms apart);
 * the seconds it took, or undefined when it had not after `timeoutMs`, with the backlog left.
 */
export async function untilEventsHandled(
  options: Parameters<typeof eventBacklog>[0] & { timeoutMs: number },
): Promise<{ seconds: number | undefined; backlog: EventBacklog }> {
  const startedAt = performance.now();
  let quietChecks = 0;
  for (;;) {
    const backlog = await eventBacklog(options);
    quietChecks = backlog.unpublished === 0 && backlog.unconsumed === 0 ? quietChecks + 1 : 0;
    const elapsed = performance.now() - startedAt;
    if (quietChecks >= 2) return { seconds: elapsed / 1000, backlog };
    if (elapsed > options.timeoutMs) return { seconds: undefined, backlog };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Deletes the run's topics (`topicPrefix`) and consumer groups (`groupPrefix`) from a broker it shares. */
export async function removeRunFromBroker(options: {
  brokers: string[];
  topicPrefix: string;
  groupPrefix: string;
}): Promise<void> {
  if (!options.topicPrefix || !options.groupPrefix)
    throw new Error('refusing to delete topics or groups without a prefix');
  const kafka = new Kafka({ clientId: 'hms-bench', brokers: options.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groupIds = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((groupId) => groupId.startsWith(`${options.groupPrefix}.`));
    if (groupIds.length > 0) await admin.deleteGroups(groupIds);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(options.topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
