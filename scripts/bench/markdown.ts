/** BENCHMARKS.md: the machine, the command, the date, the targets, the figures and how they were measured. */
import * as prettier from 'prettier';
import { APPOINTMENTS_PER_PATIENT, LARGE, SMALL } from './growth.ts';
import { DAYS_AHEAD } from './plan.ts';
import { busyMachine, checkLines, finePercent, percent, rows, targetRows, type BenchReport } from './report.ts';

const tableOf = (header: string[], body: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...body.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

export async function renderMarkdown(report: BenchReport, path: string): Promise<string> {
  const { machine, graph, gateways, writes, slots, realtime, growth, batching } = report;
  const settings = Object.entries(machine.postgresSettings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  const targets = targetRows(report);
  const unmet = targets.filter((row) => row[3] !== 'met');
  const text = `# Benchmarks

Figures of one run of \`${report.command}\` (${report.totalSeconds.toFixed(0)} s). Rerun it to refresh this file; it is
not part of the tests. Every figure that a target is judged on is a ratio of two measurements taken side by side in the
same run, on the same machine and server, so that it carries over to another machine better than the absolute
figures, which are only this machine's, under the load it had then (see **Load** below).

- **Date:** ${report.date.toISOString()}
- **Machine:** ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM; ${machine.os}
- **Node:** ${machine.node}; **PostgreSQL:** ${machine.postgres} on the same machine (${settings}); ${report.pgbenchVersion}
- **Load:** ${percent(report.busyBefore)} of the machine's CPU was busy in the second before the run started,
  ${percent(report.during.busyShare)} over the whole run (the bench's own processes included); load average at the end
  ${report.during.loadAverage.map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min)${report.busyBefore > 0.2 || busyMachine(report) ? ' — other work shared the machine during the run, so absolute figures are low and noisy; the ratios less so' : ''}
- **Kafka:** ${graph.kafka.broker}
- **Processes:** every subgraph in one Node process (\`scripts/bench/subgraphs.ts\`, as \`embedded/graph.ts\` composes
  them) on a fresh database; our gateway in its own process, configured as \`gateway/main.ts\` is; Hive Gateway
  ${report.hive.version} in its own process (installed outside the project by the bench); the load generator
  (autocannon) in a fourth. Events through Kafka under topics (${graph.kafka.partitions} partitions each) and consumer
  groups of the run's own (\`${graph.kafka.topicPrefix}…\`); \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`,
  \`HMS_TIMEZONE=${graph.timeZone}\`, database pool ${graph.poolMax} connections per subgraph${graph.poolMaxIsDefault ? ' (the default)' : ''};
  clinic hours ${graph.clinicHours}, ${graph.slotMinutes}-minute slots, at most ${graph.dailyCap} appointments per doctor and day.

## Targets (issue 10)

${tableOf(['Target', 'Measured', 'Target', 'Met'], targets)}

${unmet.length === 0 ? 'Every target is met.' : `Not met: ${unmet.map((row) => row[0]).join('; ')}.`}

## Results

${tableOf(['Measure', 'Value', 'How'], rows(report))}

${checkLines(report).join('\n\n')}
${report.notes.length === 0 ? '' : `\n**Notes:** ${report.notes.join('; ')}.\n`}
## How it was measured

\`npm run bench\` (\`scripts/bench/main.ts\`) does everything in one run and removes what it created, even on failure.
It creates a database \`hms_bench_<random>\`, starts the subgraphs and both gateways, and through our gateway, as an
admin, creates ${graph.departments} departments, ${graph.doctors + 2} doctors, ${graph.patients + 1} patients for the
booking plan and ${graph.readers.patientIds.length} reader patients (each with ${graph.readers.appointments / Math.max(1, graph.readers.patientIds.length)} appointments, 2 bills and
a payment on the first: ${graph.readers.appointments} appointments, ${graph.readers.bills} bills, ${graph.readers.payments} payments), waiting each time until the
subgraphs that learn of them from events know them. Throughput runs use autocannon with ${report.connections}
connections; a request counts only when it is answered HTTP 200 with \`data\` and without GraphQL errors; latencies
are autocannon's per-response times (request written → response read). Each process under test measures its own
event-loop utilisation and CPU time during each measured run.

1. **Gateway overhead.** The federated query (a patient by id → appointments → doctor → department, and bills →
   payments) for each reader patient, through our gateway${gateways ? ` (${gateways.warmupSeconds} s warm-up, then ${gateways.seconds} s)` : ''}. Then the same data from the subgraphs directly:
   while our gateway answered each reader's query once, its process recorded every request it sent to a subgraph
   (the query and variables of each fetch of its query plan, \`_entities\` representations included); each
   subgraph then gets its recorded requests replayed alone, with the same load, each request carrying a fresh
   internal token signed as our gateway signs it (HS256, 60 s, the admin's principal, a correlation id). A
   subgraph's rate for the same data is its requests per second divided by its requests per query; the throughput
   ratio divides the gateway's queries per second by the slowest subgraph's rate, the p99 ratio the gateway's p99 by
   the highest p99 of one subgraph request.
2. **Peer gateway.** The query mix — every reader's query, a page of the readers with their appointments, doctors
   and bills, and one doctor's \`availableSlots\` — through our gateway, then through Hive Gateway on the committed
   \`schema/supergraph.graphql\`, in front of the same subgraph process, with the same load: four runs of half the
   time each, ours, Hive, Hive, ours (after a warm-up of each), so that a change in the machine's load weighs on both
   alike; the figures of each gateway are its two runs together. Hive verifies the client's
   ES256 access token against identity's JWKS (its \`useJWT\` plugin, ES256 only, issuer and audience checked) and
   signs an internal token for every subgraph request in an \`onFetch\` hook exactly as ours does; ours also checks
   revocations (in memory) and logs a line per request at debug level. Before any timing, both answer every request
   of the mix once and their \`data\` must be equal (it was${gateways && gateways.peer.differences.length > 0 ? ' NOT' : ''}).
3. **Batching.** ${batching ? 'A page of 10, 50 and 100 seeded patients with their appointments, doctors, departments, bills and payments, sent once per size; the subgraph requests and SQL statements it caused are counted in the subgraph process by correlation id (`scripts/bench/batching.ts`, `platform/testing/query-count.ts`): counted, not timed.' : 'Not run.'}
4. **Writes.** Bookings: every booking is planned up front (\`scripts/bench/plan.ts\`): booking _n_ goes to doctor
   _n_ mod ${graph.doctors}, in one of the first ${graph.slotsPerDay} slots of a weekday (from ${graph.firstSlot}
   ${graph.timeZone}), on weekdays from ${graph.firstDay} on (at least ${DAYS_AHEAD} days ahead), with patients
   shifted per slot, so that every request is a valid, distinct booking. Payments: \`payBill\` in cash, 100 minor
   units each, on bills created up front (paid in turn, so concurrent payments hit different bills), each request
   under its own \`Idempotency-Key\`. Each: a ${writes?.bookings.warmupSeconds ?? 0} s warm-up, a checkpoint, then
   ${writes?.bookings.seconds ?? 0} s; when the time is up nothing more is sent and the run ends once every mutation in
   flight is answered; per second = successes ÷ the time to the last answer. Afterwards the database must hold exactly
   what the successful answers say. **pgbench**, with the graph stopped, on a scratch database of the same server:
   ${writes ? `\`pgbench -i -s ${writes.pgbench.scale}\`, a checkpoint, then \`pgbench -c ${writes.pgbench.clients} -j ${writes.pgbench.threads} -T ${writes.pgbench.seconds}\`` : 'not run'} (the built-in
   TPC-B-like script, as many clients as the write runs' connections; tps "without initial connection time").
5. **availableSlots.** ${slots ? `\`doctor(id) { availableSlots(date: "${slots.date}") }\`, one connection, requests one after another: a doctor whose day is full (0 slots), then one whose day is empty (${slots.slotsInDay} slots), each after ${slots.full.warmup.requests} warm-up requests; every answer must have the expected number of slots.` : 'Not run.'}
6. **Realtime delivery.** ${realtime ? `Once every event so far is published and consumed, ${realtime.subscribers} graphql-ws subscribers (a reception staff member's token) subscribe to \`appointmentUpdated\`; then, one at a time, \`acceptAppointment\` on PENDING appointments: ${realtime.warmup} warm-up and ${realtime.events} measured; latency = a subscriber's CONFIRMED message − the moment the mutation's response was read (negative when the message wins: ${finePercent(realtime.comparison.negativeShare)}); a message not received within ${realtime.timeoutMs / 1000} s is lost and makes the run invalid. Then kafkajs alone on the same broker: a fresh one-partition topic, a producer as the outbox relay's and a consumer as the gateway's, one message at a time; the ratios divide delivery's p50 and p99 by Kafka's.` : 'Not run.'}
7. **Growth.** ${growth ? `\`scripts/bench/generate.ts\` writes ${SMALL.toLocaleString('en')} patients (${APPOINTMENTS_PER_PATIENT} past appointments each, with the other subgraphs' copies of each patient and the care relationships) straight into the subgraphs' schemas, then the same queries run through our gateway; then it adds patients up to ${LARGE.toLocaleString('en')} (${(LARGE * APPOINTMENTS_PER_PATIENT).toLocaleString('en')} appointments) and the queries run again. The large load drops the secondary indexes and unique and exclusion constraints of the tables it fills, loads with \`insert … select generate_series\` on 3 connections, rebuilds them from the catalogue's own definitions (checked equal to the migrated schema afterwards; every constraint is validated by the rebuild), then vacuums and analyses. Each query runs on one connection, one request after another (${growth.warmupSeconds} s warm-up, ${growth.seconds} s measured), at each size; by-id and by-MRN requests draw a different random generated patient each time.` : 'Not run.'}

PostgreSQL, the Kafka broker, the subgraphs, the gateway under test and the load generator all share the machine's
${machine.cores} cores.
`;
  const options = (await prettier.resolveConfig(path)) ?? {};
  // Wrapped here; the project's prose-wrap setting (preserve) keeps it so.
  return prettier.format(text, { ...options, parser: 'markdown', proseWrap: 'always' });
}
