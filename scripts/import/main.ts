/**
 * `npm run import -- <source> ...`: loads a public data set into the graph through its API, as an admin client.
 *
 *   synthea <folder> [--gateway <url>] [--concurrency <n>]
 *   noshow <csv> [--mode replay|history] [--gateway <url>] [--concurrency <n>] [--limit <n>] [--timezone <zone>]
 *
 * Credentials come from `HMS_ADMIN_EMAIL` and `HMS_ADMIN_PASSWORD`. Exit codes: 0 when every row was created or
 * skipped, 1 when any row failed (or the import stopped part-way), 2 for usage and configuration errors.
 * To add a source, write a `Command` (see `cli.ts`) and list it in `COMMANDS`.
 */
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../platform/config.ts';
import { emailSchema } from '../../platform/validation.ts';
import { ExitCode, UsageError, type Command, type CommandContext } from './cli.ts';
import { noShowCommand } from './noshow.command.ts';
import { syntheaCommand } from './synthea.command.ts';

const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [syntheaCommand, noShowCommand].map((command) => [command.name, command]),
);

const importEnvSchema = z.object({
  HMS_ADMIN_EMAIL: z.string({ error: "must be set to an admin's email" }).pipe(emailSchema),
  HMS_ADMIN_PASSWORD: z.string({ error: "must be set to that admin's password" }),
});

function usage(): string {
  const commands = [...COMMANDS.values()].map(
    (command) => `  npm run import -- ${command.name} ${command.usage}\n      ${command.description}`,
  );
  return `Usage:\n${commands.join('\n')}\n\nEnvironment: HMS_ADMIN_EMAIL, HMS_ADMIN_PASSWORD (an admin of the graph).\n`;
}

/** parseArgs reports unknown options and missing values as TypeErrors with an ERR_PARSE_ARGS_* code. */
const isParseArgsError = (error: unknown): error is TypeError =>
  error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');

async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return ExitCode.OK;
  }
  const command = name ? COMMANDS.get(name) : undefined;
  if (!command) {
    process.stderr.write(`${name ? `Unknown source "${name}".` : 'Name a source to import.'}\n${usage()}`);
    return ExitCode.USAGE;
  }
  const context: CommandContext = {
    credentials: () => {
      const env = loadConfig(importEnvSchema, process.env);
      return { email: env.HMS_ADMIN_EMAIL, password: env.HMS_ADMIN_PASSWORD };
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`${error.message}\nUsage: npm run import -- ${command.name} ${command.usage}\n`);
      return ExitCode.USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return ExitCode.USAGE;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
