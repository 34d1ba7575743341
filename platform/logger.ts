/**
 * Structured logging (pino). One root logger per process, children per component and per request, tagged
 * with `requestId` and `correlationId`.
 *
 * No patient's personal data and no secret reaches a log line, whatever a caller passes:
 * - **by key**, at any depth: the values of keys that name personal data or secrets (`SENSITIVE_KEYS`: names,
 *   contact points, birth dates, addresses, message recipients and content, passwords, tokens) become
 *   `[REDACTED]`; notification text (`message`, `text`, `html`, `metadata`) only inside an object that is a
 *   notification (it has a `channel`, `recipientId`, `subject`, `address`, `to` or `audience`);
 * - **by value**, in every string of the line (the message, interpolated arguments, every field at any depth,
 *   child bindings, and the `message`, `stack` and own properties of serialized errors): email addresses,
 *   phone numbers, bearer tokens and JWTs, the values of PostgreSQL's `Key (…)=(…)` details and the literals of
 *   SQL statements (`maskText`).
 *
 * Birth dates cannot be told from other dates by their value: keys are what protects them. The walk is capped
 * (depth, number of values, string length), so a huge object costs a bounded amount of work.
 */
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger };

const REDACTED = '[REDACTED]';

/**
 * Keys whose values are never written to logs, compared without case, `-` or `_` (`given_name`, `Given-Name`
 * and `givenName` are one key).
 */
export const SENSITIVE_KEYS = [
  // Secrets.
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'resetToken',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'paymentToken',
  'authorization',
  'cookie',
  'set-cookie',
  'secret',
  'clientSecret',
  'privateKey',
  'apiKey',
  'x-hms-internal-token',
  // A patient's (or anyone's) identity and contact points.
  'email',
  'phone',
  'mobile',
  'telecom',
  'contact',
  'name',
  'displayName',
  'fullName',
  'givenName',
  'familyName',
  'birthDate',
  'dateOfBirth',
  'dob',
  'address',
  'line',
  'city',
  'postalCode',
  // A message's recipient and content.
  'to',
  'cc',
  'bcc',
  'subject',
  'body',
];

/** Keys that hold a notification's content, redacted inside an object that `NOTIFICATION_MARKERS` identify. */
const NOTIFICATION_CONTENT_KEYS = ['message', 'text', 'html', 'metadata', 'variables'];
const NOTIFICATION_MARKERS = ['channel', 'recipientId', 'subject', 'address', 'to', 'audience'];

const normalizeKey = (key: string): string => key.replace(/[-_\s]/g, '').toLowerCase();
const sensitive = new Set(SENSITIVE_KEYS.map(normalizeKey));
const notificationContent = new Set(NOTIFICATION_CONTENT_KEYS.map(normalizeKey));
const notificationMarkers = new Set(NOTIFICATION_MARKERS.map(normalizeKey));

/** Bounds of the walk over a logged object. */
const MAX_DEPTH = 8;
const MAX_VALUES = 1_000;
const MAX_STRING = 32_768;

// Value patterns. Each replacement names what was there, never a piece of it.
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}\b/g;
/**
 * A run of digits with the separators phone numbers are written with (space, dot, dash, parentheses), optionally
 * after `+` and a country code. It may not start or end inside a longer token (a UUID, a hex id, a time `10:00`,
 * an address `host:port`, a path or a URL): `isPhoneNumber` then decides.
 */
const PHONE_CANDIDATE =
  /(?<![\w.+/@-])(?<!\d:)(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d[\d .()-]{4,20}\d(?![\w/@]|[.:-]\d)/g;
const DATE_SHAPE = /^(?:\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{4})$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const DECIMAL = /^\d+\.\d+$/;
/** PostgreSQL's `Key (email)=(someone@example.org) already exists.` and its kin. */
const PG_KEY_DETAIL = /\bKey \(([^)]*)\)=\((.*?)\)(?= already exists| is not present| conflicts|\.|$)/g;
/** A SQL statement (as ORMs put them into error messages) with its literals inlined. */
const SQL_STATEMENT = /\b(?:insert\s+into|update\s+\S+\s+set|select\s.+\sfrom|delete\s+from|values\s*\()/i;
const SQL_LITERAL = /'(?:[^']|'')*'/g;
/**
 * A sensitive key with its value inside text: JSON (`"givenName":"…"`), a GraphQL literal (`givenName: "…"`),
 * a query string or `key=value` pair. Catches an object stringified into a message.
 */
const KEY_IN_TEXT = (() => {
  const names = SENSITIVE_KEYS.flatMap((key) => [key, key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)]);
  const alternation = [...new Set(names)].map((name) => name.replace(/[-]/g, '[-_]?')).join('|');
  return new RegExp(
    `(["']?)\\b(${alternation})\\1(\\s*:\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|\\[[^\\]]*\\]|\\{[^{}]*\\})|\\b(${alternation})=[^&\\s"',;]+`,
    'gi',
  );
})();

/**
 * A phone number: E.164 (`+15551234567`, `+44 20 7946 0958`) or a national number written in groups
 * (`(555) 123-4567`, `555-123-4567`, `020 7946 0958`), 7 to 15 digits. Not a date, an IPv4 address, a decimal
 * number or a list of small numbers. A bare run of digits without `+` is not taken for one: it cannot be told
 * from a count, an epoch or an amount (keys protect `phone` fields).
 */
function isPhoneNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  const international = candidate.startsWith('+');
  const groups = candidate
    .replace(/^\+\d{1,3}/, '')
    .split(/[ .()-]+/)
    .filter(Boolean);
  if (!international) {
    if (groups.length < 2) return false;
    if (DATE_SHAPE.test(candidate) || DOTTED_QUAD.test(candidate) || DECIMAL.test(candidate)) return false;
  }
  // Phone numbers come in groups of two or more digits; "1 2 3 4 5 6 7" is a list.
  return groups.every((group) => group.length >= 2);
}

/**
 * `text` with every email address, phone number, bearer token, JWT, PostgreSQL key detail value and SQL literal
 * replaced by a placeholder (`[email]`, `[phone]`, `[token]`, `[redacted]`). Cheap for text without `@`, digits
 * or `eyJ`: the patterns are only tried where they can match.
 */
export function maskText(text: string): string {
  let masked = text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…[truncated]` : text;
  if (masked.includes('earer ') || masked.includes('asic ')) masked = masked.replace(BEARER, '$1 [token]');
  if (masked.includes('eyJ')) masked = masked.replace(JWT, '[token]');
  if (masked.includes('@')) masked = masked.replace(EMAIL, '[email]');
  if (masked.includes(':') || masked.includes('=')) {
    masked = masked.replace(KEY_IN_TEXT, (_match, quote: string, key: string, colon: string, bare: string) =>
      bare ? `${bare}=[REDACTED]` : `${quote}${key}${quote}${colon}"[REDACTED]"`,
    );
  }
  if (masked.includes('Key (')) masked = masked.replace(PG_KEY_DETAIL, 'Key ($1)=([redacted])');
  if (masked.includes("'") && SQL_STATEMENT.test(masked)) masked = masked.replace(SQL_LITERAL, "'[redacted]'");
  if (/\d/.test(masked)) {
    masked = masked.replace(PHONE_CANDIDATE, (candidate) => (isPhoneNumber(candidate) ? '[phone]' : candidate));
  }
  return masked;
}

interface Walk {
  values: number;
  seen: WeakSet<object>;
}

function isNotification(object: object): boolean {
  for (const key of Object.keys(object)) if (notificationMarkers.has(normalizeKey(key))) return true;
  return false;
}

function sanitizeValue(value: unknown, walk: Walk, depth: number, inError: boolean): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object') return value;
  if (++walk.values > MAX_VALUES || depth > MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (walk.seen.has(value)) return '[Circular]';
  walk.seen.add(value);
  try {
    if (value instanceof Error) {
      // pino's own error shape (type, message and stack with their causes, own properties), then masked.
      return sanitizeObject(stdSerializers.err(value) as unknown as Record<string, unknown>, walk, depth, true);
    }
    if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, walk, depth + 1, inError));
    return sanitizeObject(value as Record<string, unknown>, walk, depth, inError);
  } finally {
    walk.seen.delete(value);
  }
}

function sanitizeObject(
  object: Record<string, unknown>,
  walk: Walk,
  depth: number,
  inError: boolean,
  exempt?: string,
): Record<string, unknown> {
  const notification = isNotification(object);
  const result: Record<string, unknown> = {};
  // `for…in`: serialized errors keep `type`, `message` and `stack` on their prototype.
  for (const key in object) {
    if (key === 'raw' && inError) continue;
    const value = object[key];
    if (value === undefined || typeof value === 'function') continue;
    const normalized = normalizeKey(key);
    // An error's `name` is its class (`DomainError`), not a person's.
    const byKey =
      key !== exempt &&
      ((sensitive.has(normalized) && !(inError && normalized === 'name')) ||
        (notification && notificationContent.has(normalized)));
    result[key] = byKey && value !== null ? REDACTED : sanitizeValue(value, walk, depth + 1, inError);
  }
  return result;
}

/**
 * A copy of a log line's fields with personal data and secrets removed (see the module's description): redacted
 * by key at any depth, masked by value in every string, errors serialized as pino does and then masked.
 */
export function sanitizeForLog(object: Record<string, unknown>): Record<string, unknown> {
  return sanitizeObject(object, { values: 0, seen: new WeakSet() }, 0, false);
}

/** The same for child bindings; their `name` is the logger's (`hms`, `gateway`), not a person's. */
function sanitizeBindings(bindings: Record<string, unknown>): Record<string, unknown> {
  return sanitizeObject(bindings, { values: 0, seen: new WeakSet() }, 0, false, 'name');
}

/**
 * Masks the arguments of a log call before pino sees them: the message and interpolated values. pino takes the
 * message of `log.error(err)` or `log.error({ err })` from the error itself, after this hook: it is given here,
 * masked, instead.
 */
function maskArguments(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  const masked = rest.map((arg) => (typeof arg === 'string' ? maskText(arg) : arg));
  if (first instanceof Error) {
    return [{ err: first }, ...(masked.length > 0 ? masked : [maskText(first.message)])];
  }
  if (first !== null && typeof first === 'object') {
    const err = (first as { err?: unknown }).err;
    const hasMessage = (first as { msg?: unknown }).msg !== undefined;
    if (masked.length === 0 && !hasMessage && err instanceof Error) return [first, maskText(err.message)];
    return [first, ...masked.map((arg) => (arg !== null && typeof arg === 'object' ? sanitizeValueOf(arg) : arg))];
  }
  return [typeof first === 'string' ? maskText(first) : first, ...masked];
}

const sanitizeValueOf = (value: unknown): unknown => sanitizeValue(value, { values: 0, seen: new WeakSet() }, 0, false);

/** Top-level paths pino itself redacts as well (headers of a logged request). */
const redactPaths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-hms-internal-token"]'];

export interface LoggerOptions {
  level: string;
  /** Process or component name, e.g. `gateway` or `subgraph:patients`. */
  name: string;
  /** Pretty output for humans in development; JSON lines otherwise. */
  pretty?: boolean;
  /** Where the JSON lines go instead of standard output (tests capture them). */
  destination?: DestinationStream;
}

/** Creates a process's root logger (see the module's description for what it never writes). */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level,
    redact: { paths: redactPaths, censor: REDACTED },
    base: { pid: process.pid },
    formatters: {
      log: sanitizeForLog,
      bindings: sanitizeBindings,
    },
    // `formatters.log` has already serialized and masked errors; a live Error here was never seen by it.
    serializers: { err: (err: unknown) => (err instanceof Error ? sanitizeValueOf(err) : err) },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...args: unknown[]) => void) {
        method.apply(this, maskArguments(args));
      },
    },
  };
  const logger = options.destination
    ? pino(settings, options.destination)
    : pino({
        ...settings,
        ...(options.pretty
          ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
          : {}),
      });
  // pino applies `formatters.bindings` to the root's bindings only; children (which inherit this method from the
  // root) have theirs masked here, once, when they are created.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, sanitizeBindings(bindings), childOptions);
  } as typeof logger.child;
  return logger;
}
