/**
 * `npm run import -- synthea <folder> [--gateway <url>] [--concurrency <n>]`: signs in as the admin, imports
 * the Synthea CSV export in `<folder>` with progress on stderr, and prints the summary table on stdout.
 */
import { parseArgs } from 'node:util';
import { GraphClient } from '../../platform/graphql/client.ts';
import { ExitCode, integerOption, UsageError, urlOption, type Command } from './cli.ts';
import { CsvFileError } from './csv.ts';
import { createProgressPrinter, formatSummary } from './report.ts';
import { importSynthea } from './synthea.ts';

export const DEFAULT_GATEWAY = 'http://localhost:4000/graphql';

export const syntheaCommand: Command = {
  name: 'synthea',
  usage: '<folder> [--gateway <url>] [--concurrency <n>]',
  description: `Synthea CSV export (organizations, providers, encounters, patients): departments, doctors and patients.
      --gateway <url>     the graph's endpoint (default ${DEFAULT_GATEWAY})
      --concurrency <n>   create requests in flight at once, 1–64 (default 8)`,

  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        gateway: { type: 'string', default: DEFAULT_GATEWAY },
        concurrency: { type: 'string', default: '8' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('synthea takes exactly one folder');
    const folder = positionals[0]!;
    const gateway = urlOption('gateway', values.gateway);
    const concurrency = integerOption('concurrency', values.concurrency, 1, 64);
    const { email, password } = context.credentials();

    const signIn = () => new GraphClient(gateway).signIn(email, password);
    let client: GraphClient;
    try {
      client = await signIn();
    } catch (error) {
      // Nothing was imported: the gateway address or the credentials are wrong.
      context.stderr.write(
        `Could not sign in to ${gateway} as ${email}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return ExitCode.USAGE;
    }

    context.stderr.write(`Importing Synthea export ${folder} into ${gateway}\n`);
    try {
      const summary = await importSynthea({
        folder,
        client,
        concurrency,
        reauthenticate: signIn,
        onProgress: createProgressPrinter(context.stderr),
      });
      context.stdout.write(formatSummary(summary));
      const failed = summary.departments.failed + summary.doctors.failed + summary.patients.failed;
      return failed > 0 ? ExitCode.ROWS_FAILED : ExitCode.OK;
    } catch (error) {
      if (error instanceof CsvFileError) {
        context.stderr.write(`\nCannot read the export: ${error.message}\n`);
        return ExitCode.USAGE;
      }
      const message = error instanceof Error ? error.message : String(error);
      context.stderr.write(
        `\nThe import stopped: ${message}\nWhat was imported stays; running the import again skips it.\n`,
      );
      return ExitCode.ROWS_FAILED;
    }
  },
};
