/**
 * What every subcommand of the import CLI (`main.ts`) shares: its shape, exit codes, usage errors, sign-in and the
 * mapping of what stops an import to an exit code.
 */
import { GraphClient } from '../../platform/graphql/client.ts';
import { CsvFileError } from './csv.ts';
import { failedRows, type ImportSummary } from './import-summary.ts';

/** Where the importers send their requests unless `--gateway` says otherwise. */
export const DEFAULT_GATEWAY = 'http://localhost:4000/graphql';

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

/**
 * The graph is not set up as the import's options assume (another time zone, slot length or clinic hours, say), found
 * before anything that depends on it was sent; the CLI prints the message and exits 2.
 */
export class GraphMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphMismatchError';
  }
}

/** OK when every row of every kind was created or skipped, else ROWS_FAILED. */
export function exitCodeOf(summary: ImportSummary): ExitCode {
  return failedRows(summary) > 0 ? ExitCode.ROWS_FAILED : ExitCode.OK;
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

/**
 * Signs in to `gateway` as the admin and runs `importAll` with the client (and `signIn`, to sign in again when a
 * long import outlives its session), mapping what stops it to an exit code: a refused sign-in (nothing imported), an
 * unreadable file or a graph that does not match the options (`GraphMismatchError`) is USAGE, anything else part-way
 * is ROWS_FAILED (what was imported stays; a rerun skips it).
 */
export async function runSignedIn(
  context: CommandContext,
  gateway: string,
  importAll: (client: GraphClient, signIn: () => Promise<GraphClient>) => Promise<ExitCode>,
): Promise<ExitCode> {
  const { email, password } = context.credentials();
  const signIn = () => new GraphClient(gateway).signIn(email, password);
  let client: GraphClient;
  try {
    client = await signIn();
  } catch (error) {
    context.stderr.write(`Could not sign in to ${gateway} as ${email}: ${messageOf(error)}\n`);
    return ExitCode.USAGE;
  }
  try {
    return await importAll(client, signIn);
  } catch (error) {
    if (error instanceof CsvFileError) {
      context.stderr.write(`\nCannot read the input: ${error.message}\n`);
      return ExitCode.USAGE;
    }
    if (error instanceof GraphMismatchError) {
      context.stderr.write(
        `\nThe import stopped: ${error.message}\nWhat was created so far stays; fix the options and run it again.\n`,
      );
      return ExitCode.USAGE;
    }
    context.stderr.write(
      `\nThe import stopped: ${messageOf(error)}\nWhat was imported stays; running the import again skips it.\n`,
    );
    return ExitCode.ROWS_FAILED;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
