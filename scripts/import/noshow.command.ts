/**
 * `npm run import -- noshow <csv> [--mode replay|history] [--gateway <url>] [--concurrency <n>] [--limit <n>]
 * [--timezone <zone>]`: signs in as the admin, imports the Kaggle no-show file with progress on stderr, and prints
 * the summary on stdout.
 */
import { parseArgs } from 'node:util';
import { schemas } from '../../platform/config.ts';
import { DEFAULT_GATEWAY, exitCodeOf, integerOption, runSignedIn, UsageError, urlOption, type Command } from './cli.ts';
import { formatNoShowSummary } from './noshow.report.ts';
import { importNoShow, type NoShowMode } from './noshow.ts';
import { createProgressPrinter } from './report.ts';

const MODES: readonly NoShowMode[] = ['replay', 'history'];

export const noShowCommand: Command = {
  name: 'noshow',
  usage: '<csv> [--mode replay|history] [--gateway <url>] [--concurrency <n>] [--limit <n>] [--timezone <zone>]',
  description: `Kaggle "Medical Appointment No Shows" (KaggleV2-May-2016.csv): health units as departments, doctors,
      patients, and one appointment per row.
      --mode replay       (default) book every row on the coming weeks with bookAppointment, every rule applied
      --mode history      record the 2016 appointments with their outcome (COMPLETED / NO_SHOW) via importAppointment
      --gateway <url>     the graph's endpoint (default ${DEFAULT_GATEWAY})
      --concurrency <n>   requests in flight at once, 1–64 (default 8)
      --limit <n>         import only the first n rows of the file
      --timezone <zone>   the hospital's time zone for the slots; must be the graph's HMS_TIMEZONE (default UTC)`,

  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        mode: { type: 'string', default: 'replay' },
        gateway: { type: 'string', default: DEFAULT_GATEWAY },
        concurrency: { type: 'string', default: '8' },
        limit: { type: 'string' },
        timezone: { type: 'string', default: 'UTC' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('noshow takes exactly one CSV file');
    const file = positionals[0]!;
    const mode = MODES.find((candidate) => candidate === values.mode);
    if (!mode) throw new UsageError(`--mode must be replay or history, not "${values.mode}"`);
    const gateway = urlOption('gateway', values.gateway);
    const concurrency = integerOption('concurrency', values.concurrency, 1, 64);
    const limit = values.limit === undefined ? undefined : integerOption('limit', values.limit, 1, 10_000_000);
    if (!schemas.timeZone.safeParse(values.timezone).success)
      throw new UsageError(
        `--timezone must be an IANA time zone such as UTC or America/Sao_Paulo, not "${values.timezone}"`,
      );
    return runSignedIn(context, gateway, async (client, signIn) => {
      const rows = limit === undefined ? 'every row' : `the first ${limit} rows`;
      context.stderr.write(`Importing ${rows} of ${file} into ${gateway} (${mode}, time zone ${values.timezone})\n`);
      const summary = await importNoShow({
        file,
        client,
        mode,
        concurrency,
        timeZone: values.timezone,
        ...(limit === undefined ? {} : { limit }),
        reauthenticate: signIn,
        onProgress: createProgressPrinter(context.stderr),
      });
      context.stdout.write(formatNoShowSummary(summary));
      return exitCodeOf(summary);
    });
  },
};
