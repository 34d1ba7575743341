/** What every subcommand of the import CLI (`main.ts`) shares: its shape, exit codes and usage errors. */

/** Process exit codes of the import CLI. */
export const ExitCode = {
  /** Every row was created or skipped. */
  OK: 0,
  /** Some row failed, or the import stopped part-way (a rerun skips what was done). */
  ROWS_FAILED: 1,
  /** Bad arguments or environment, or the import could not start (unreadable files, refused sign-in). */
  USAGE: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad command-line arguments; the CLI prints the message and the command's usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Admin credentials the importers sign in with (`HMS_ADMIN_EMAIL`, `HMS_ADMIN_PASSWORD`). */
export interface Credentials {
  email: string;
  password: string;
}

/** What `main.ts` hands a subcommand; tests can hand it fakes. */
export interface CommandContext {
  /** Parses the environment's credentials. @throws ConfigError when they are missing or malformed. */
  credentials(): Credentials;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** One subcommand: `npm run import -- <name> ...`. */
export interface Command {
  name: string;
  /** Arguments after the name, e.g. `<folder> [--gateway <url>]`. */
  usage: string;
  description: string;
  /** Runs with the arguments after the subcommand's name. @throws UsageError, ConfigError (exit 2). */
  run(args: string[], context: CommandContext): Promise<ExitCode>;
}

/** Parses a whole number option within bounds. @throws UsageError */
export function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

/** Parses an http(s) URL option. @throws UsageError */
export function urlOption(name: string, text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // reported below
  }
  throw new UsageError(`--${name} must be an http(s) URL, not "${text}"`);
}
