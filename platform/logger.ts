/**
 * Structured logging (pino). One root logger per process, children per component and per request, tagged
 * with `requestId` and `correlationId`. Personal data and secrets are redacted by key wherever they appear in
 * a logged object, so a careless `log.info({ input })` cannot leak a patient's name or a token.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values are never written to logs (at the top level and one or two levels down). */
const SENSITIVE_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'resetToken',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'cookie',
  'secret',
  'privateKey',
  'email',
  'phone',
  'givenName',
  'familyName',
  'birthDate',
  'address',
  'line',
  'postalCode',
];

const redactPaths = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hms-internal-token"]',
]);

export interface LoggerOptions {
  level: string;
  /** Process or component name, e.g. `gateway` or `subgraph:patients`. */
  name: string;
  /** Pretty output for humans in development; JSON lines otherwise. */
  pretty?: boolean;
}

/** Creates a process's root logger. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    base: { pid: process.pid },
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
      : {}),
  });
}
