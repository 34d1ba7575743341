/**
 * Process configuration. Every process parses its environment exactly once, in its `main.ts`, with a zod
 * schema built from the fragments below; nothing else reads `process.env`. A bad environment is reported as
 * a whole (every bad variable at once) and the process exits before it starts anything.
 */
import { z } from 'zod';
import { defaultSubgraphUrl, SUBGRAPHS } from '../schema/catalog.ts';
import { parseTimeOfDay } from './time.ts';

/** Raised when the environment does not satisfy a process's config schema; lists every problem. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Environment as handed to `loadConfig`: a plain map of variable names to strings. */
export type Environment = Record<string, string | undefined>;

/**
 * Parses `env` with `schema`. Empty strings count as unset, so `FOO=` falls back to the default.
 *
 * @throws ConfigError listing every invalid or missing variable.
 */
export function loadConfig<Schema extends z.ZodType>(schema: Schema, env: Environment): z.infer<Schema> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const port = z.coerce.number().int().min(0).max(65535);

/** Checks that a string names an IANA time zone this runtime knows (e.g. `Europe/Berlin`). */
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone name such as UTC or Europe/Berlin');

/**
 * OpenTelemetry tracing, by the specification's standard variable names (every process). Spans are exported over
 * OTLP/HTTP (JSON) only when an endpoint is set; trace context is propagated either way.
 */
/** `OTEL_TRACES_SAMPLER` values of the OpenTelemetry specification (`platform/observability/tracing.ts`). */
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export const otelEnv = {
  /** `service.name` of exported spans; default `hms` (`npm start`), `hms-gateway`, `hms-<subgraph>`. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Base URL of an OTLP/HTTP receiver (e.g. `http://otel-collector:4318`); traces go to `<it>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Full URL for traces, taking precedence over `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  /** Which traces are recorded when exporting (the specification's sampler names). */
  OTEL_TRACES_SAMPLER: z.enum(SAMPLER_NAMES).default('parentbased_always_on'),
  /** Ratio of the `traceidratio` samplers, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
};

/** Variables every process understands. */
export const baseEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The hospital's time zone; scheduling rules are evaluated in it (SPEC §3). */
  HMS_TIMEZONE: timeZone.default('UTC'),
  /** ISO 4217 currency of every amount of money (SPEC §4). */
  HMS_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  /** Clinic hours, `HH:MM-HH:MM` in the hospital's time zone: every slot lies inside them (SPEC §3). */
  HMS_CLINIC_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must be HH:MM-HH:MM, e.g. 09:00-18:00')
    .refine((hours) => hours.split('-')[0]! < hours.split('-')[1]!, 'must open before it closes')
    .default('09:00-18:00'),
  ...otelEnv,
};

/** Clinic hours as minutes after midnight, from `HMS_CLINIC_HOURS`. */
export function clinicHours(value: string): { opensAt: number; closesAt: number } {
  const [opens, closes] = value.split('-');
  return { opensAt: parseTimeOfDay(opens!), closesAt: parseTimeOfDay(closes!) };
}

/** Where a process keeps its data: real PostgreSQL when `DATABASE_URL` is set, else embedded PGlite. */
export const databaseEnv = {
  DATABASE_URL: z.string().url().optional(),
  /** Maximum connections per subgraph pool on real PostgreSQL. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Folder for the embedded database (PGlite) when `DATABASE_URL` is unset. `memory://` keeps nothing. */
  HMS_DATA_DIR: z.string().default('.hms-data'),
};

/** Kafka: events go to a real broker when `KAFKA_BROKERS` is set, and stay in-process otherwise. */
export const kafkaEnv = {
  KAFKA_BROKERS: commaList.optional(),
  KAFKA_CLIENT_ID: z.string().default('hms'),
  /** Prefix for consumer group ids, so that two deployments (or test runs) on one broker do not share groups. */
  KAFKA_GROUP_PREFIX: z.string().default('hms'),
  /**
   * Prepended to every topic name (`<prefix>appointment-events`), so that two deployments (or test runs) on one
   * broker do not read each other's events. Empty by default: the SPEC §6 names as they are.
   */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"')
    .max(100)
    .default(''),
  /** Partitions for topics the process creates on start-up (existing topics are left as they are). */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(256).default(3),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
};

export type KafkaEnv = z.infer<z.ZodObject<typeof kafkaEnv>>;

/** Access tokens: what identity signs and the gateway checks. Both must agree. */
export const tokenEnv = {
  /** `iss` of access tokens. */
  HMS_JWT_ISSUER: z.string().default('hms-identity'),
  /** `aud` of access tokens. */
  HMS_JWT_AUDIENCE: z.string().default('hms-supergraph'),
  /** Access token lifetime in seconds (15 minutes). */
  HMS_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
};

/** The shared secret with which the gateway vouches for each request it forwards to a subgraph. */
export const internalAuthEnv = {
  HMS_INTERNAL_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
};

/**
 * `SUBGRAPH_<NAME>_URL` for every subgraph of `schema/catalog.ts`: where the gateway (and a subgraph delivering
 * an event directly) reaches it. Default: the URL in the supergraph, `http://<name>:<port>/graphql`.
 */
export const subgraphUrlEnv = Object.fromEntries(
  SUBGRAPHS.map((entry) => [
    `SUBGRAPH_${entry.name.toUpperCase()}_URL`,
    z.string().url().default(defaultSubgraphUrl(entry)),
  ]),
);

/** The subgraph URLs of `SUBGRAPH_<NAME>_URL` (or their defaults), by subgraph name. */
export function configuredSubgraphUrls(env: Environment): Record<string, string> {
  const parsed = loadConfig(z.object(subgraphUrlEnv), env) as Record<string, string>;
  return Object.fromEntries(
    SUBGRAPHS.map((entry) => [entry.name, parsed[`SUBGRAPH_${entry.name.toUpperCase()}_URL`]!]),
  );
}

/** Variables of a process that serves one subgraph over HTTP. */
export const subgraphEnv = {
  ...baseEnv,
  ...subgraphUrlEnv,
  ...databaseEnv,
  ...kafkaEnv,
  ...internalAuthEnv,
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(4001),
};

export const schemas = { commaList, port, timeZone };

export type OtelEnv = z.infer<z.ZodObject<typeof otelEnv>>;

/**
 * Secrets may be generated only outside production. Returns the configured value, or in development and test
 * a random one (with `onGenerated` told so that the caller can say it out loud).
 *
 * @throws ConfigError in production when the secret is missing.
 */
export function secretOrGenerate(
  name: string,
  value: string | undefined,
  nodeEnv: 'development' | 'test' | 'production',
  generate: () => string,
): string {
  if (value) return value;
  if (nodeEnv === 'production') throw new ConfigError([`${name}: required in production`]);
  return generate();
}
