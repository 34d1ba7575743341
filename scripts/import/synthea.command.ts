/**
 * `npm run import -- synthea <folder> [--gateway <url>] [--concurrency <n>]`: signs in as the admin, imports
 * the Synthea CSV export in `<folder>` (with the patients' clinical history) with progress on stderr, and prints
 * the summary table on stdout.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_GATEWAY, exitCodeOf, integerOption, runSignedIn, UsageError, urlOption, type Command } from './cli.ts';
import { createProgressPrinter, formatSummary } from './report.ts';
import { importSynthea } from './synthea.ts';

export const syntheaCommand: Command = {
  name: 'synthea',
  usage: '<folder> [--gateway <url>] [--concurrency <n>]',
  description: `Synthea CSV export (organizations, providers, encounters, patients, medications, conditions): departments,
      doctors, patients, and the patients' medicines, prescriptions, diagnoses and encounter notes.
      --gateway <url>     the graph's endpoint (default ${DEFAULT_GATEWAY})
      --concurrency <n>   requests (creates, lookups, batches of 100 clinical rows) in flight at once, 1–64 (default 8)`,

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
    return runSignedIn(context, gateway, async (client, signIn) => {
      context.stderr.write(`Importing Synthea export ${folder} into ${gateway}\n`);
      const summary = await importSynthea({
        folder,
        client,
        concurrency,
        reauthenticate: signIn,
        onProgress: createProgressPrinter(context.stderr),
      });
      context.stdout.write(formatSummary(summary));
      return exitCodeOf(summary);
    });
  },
};
