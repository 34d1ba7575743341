/**
 * The read scenarios of `npm run bench`, measured one after the other with the same load (the load generator's
 * autocannon, the same connections and seconds) against the same subgraph process:
 *
 * - **Gateway overhead**: `PATIENT_QUERY` for each reader patient through our gateway, and the same data fetched
 *   from the subgraphs directly: the very requests our gateway sent to each subgraph for those queries (recorded
 *   once, `gateway-process.ts`), replayed against each subgraph alone with a fresh internal token per request.
 * - **Peer gateway**: the query mix (every reader's `PATIENT_QUERY`, a page of readers, `availableSlots`) through our
 *   gateway and through Hive Gateway, after checking that both answer every request of the mix with the same data;
 *   in four runs of half the time each, ours, Hive, Hive, ours, so that a change in the machine's load weighs alike.
 *
 * Each measured run follows a warm-up and starts once the subgraphs have handled every event earlier requests set off
 * (reads of clinical data raise access events, which the audit subgraph chains), so that no run pays for another's
 * work. Around each measured run, the gateway's process and the subgraph process (this one) measure how busy they
 * were.
 */
import type { Principal } from '../../platform/auth/principal.ts';
import type { BenchChild } from './child.ts';
import type { GatewayJob, SubgraphFetch } from './gateway-process.ts';
import type { Job, ReadJob, ReadRunResult } from './load.ts';
import {
  answer,
  answerDifferences,
  overheadRatios,
  readFigures,
  requestsBySubgraph,
  sharesOf,
  type ReadFigures,
  type SubgraphShare,
} from './reads.ts';
import type { ProfileSummary } from './profile.ts';
import { meterUsage, type ProcessUsage } from './usage.ts';
import { ratioOf } from './stats.ts';

export interface MeasuredRead {
  figures: ReadFigures;
  /** The gateway's process (undefined when measuring subgraphs directly) and the subgraph process. */
  gatewayUsage: ProcessUsage | undefined;
  subgraphUsage: ProcessUsage;
}

export interface GatewayFigures {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  overhead: {
    queries: number;
    ours: MeasuredRead;
    direct: { subgraph: string; perQuery: number; requests: number; run: MeasuredRead }[];
    ratios: ReturnType<typeof overheadRatios>;
  };
  peer: {
    requests: number;
    /** Subgraph requests each gateway sends for one pass of the mix, by subgraph. */
    subgraphRequests: { ours: Record<string, number>; hive: Record<string, number> };
    /** Requests of the mix whose answers differ between the two gateways (none: the comparison stands). */
    differences: string[];
    ours: MeasuredRead;
    hive: MeasuredRead;
    /** Ours ÷ Hive: requests per second (≥ 1: ours is at least as fast) and p99 (≤ 1: ours is at least as quick). */
    throughputRatio: number;
    p99Ratio: number;
  };
  /** CPU profiles of our gateway and of the subgraphs during the peer run of ours (`--cpu-prof`). */
  profiles?: { gateway: ProfileSummary; subgraphs: ProfileSummary };
}

interface GatewayProcess {
  url: string;
  child: BenchChild<GatewayJob>;
}

export async function measureGateways(options: {
  load: BenchChild<Job>;
  ours: GatewayProcess;
  hive: GatewayProcess;
  /** Subgraph name by its GraphQL URL. */
  subgraphNames: Record<string, string>;
  token: string;
  /** The principal of `token`, for the direct subgraph requests, and the secret they are signed with. */
  internal: { secret: string; principal: Principal };
  patientBodies: string[];
  mixBodies: string[];
  connections: number;
  seconds: number;
  warmupSeconds: number;
  profile?: { start(): Promise<void>; stop(): Promise<{ gateway: ProfileSummary; subgraphs: ProfileSummary }> };
  /** Waits until the subgraphs have handled the events earlier requests set off (every run starts from rest). */
  settle: (before: string) => Promise<void>;
  log: (message: string) => void;
}): Promise<GatewayFigures> {
  const { ours, hive, load, connections, seconds, warmupSeconds, log } = options;
  // The subgraph requests of every reader's query, as our gateway sends them.
  await ours.child.run({ kind: 'capture-start' });
  for (const requestBody of options.patientBodies) {
    const answered = await answer(ours.url, options.token, requestBody);
    if (answered.status !== 200 || answered.errors || !answered.data) {
      await ours.child.run({ kind: 'capture-stop' });
      throw new Error(`our gateway answered the patient query with ${JSON.stringify(answered).slice(0, 500)}`);
    }
  }
  const fetches = await ours.child.run<SubgraphFetch[]>({ kind: 'capture-stop' });
  const shares: SubgraphShare[] = sharesOf(fetches, options.subgraphNames, options.patientBodies.length);
  log(`the patient query costs ${shares.map((share) => `${share.subgraph} ${share.perQuery}`).join(', ')} requests`);

  // Same answers from both gateways, once, before any timing; and the subgraph requests each sends for the mix.
  const answersOf = async (gateway: GatewayProcess) => {
    await gateway.child.run({ kind: 'capture-start' });
    const answers = [];
    for (const requestBody of options.mixBodies) answers.push(await answer(gateway.url, options.token, requestBody));
    const sent = await gateway.child.run<SubgraphFetch[]>({ kind: 'capture-stop' });
    return { answers, requests: requestsBySubgraph(sent, options.subgraphNames) };
  };
  const { answers: oursAnswers, requests: oursRequests } = await answersOf(ours);
  const { answers: hiveAnswers, requests: hiveRequests } = await answersOf(hive);
  const differences = answerDifferences(oursAnswers, hiveAnswers);
  if (differences.length > 0) log(`warning: Hive Gateway answers differently: ${differences.join('; ')}`);

  /** One measured run: a warm-up unless `warm`, the subgraphs settled, then `runSeconds` of `job`. */
  const measureRun = async (
    gateway: GatewayProcess | undefined,
    job: (runSeconds: number) => ReadJob,
    runSeconds: number,
    options_: { warm?: boolean; profiled?: boolean } = {},
  ): Promise<{ run: ReadRunResult; gatewayUsage: ProcessUsage | undefined; subgraphUsage: ProcessUsage }> => {
    const first = job(warmupSeconds);
    if (!options_.warm) await load.run<ReadRunResult>(first);
    await options.settle(`the read run on ${first.url}`);
    await gateway?.child.run({ kind: 'usage-start' });
    const subgraphMeter = meterUsage();
    if (options_.profiled) await options.profile?.start();
    const run = await load.run<ReadRunResult>(job(runSeconds));
    const subgraphUsage = subgraphMeter.stop();
    const gatewayUsage = await gateway?.child.run<ProcessUsage>({ kind: 'usage-stop' });
    return { run, gatewayUsage, subgraphUsage };
  };
  const measure = async (gateway: GatewayProcess | undefined, job: (runSeconds: number) => ReadJob) => {
    const { run, gatewayUsage, subgraphUsage } = await measureRun(gateway, job, seconds);
    return { figures: readFigures(run, seconds), gatewayUsage, subgraphUsage };
  };
  const throughGateway = (gateway: GatewayProcess, bodies: string[]) => (runSeconds: number) =>
    ({ kind: 'reads', url: gateway.url, bearer: options.token, bodies, seconds: runSeconds, connections }) as ReadJob;

  // Ours, Hive, Hive, ours: half the time each, so that a drift of the machine's load during the comparison weighs
  // on both alike.
  log(`peer gateway: the query mix (${options.mixBodies.length} requests) through ours, Hive Gateway, Hive, ours`);
  const half = seconds / 2;
  const oursMix = throughGateway(ours, options.mixBodies);
  const hiveMix = throughGateway(hive, options.mixBodies);
  const oursFirst = await measureRun(ours, oursMix, half, { profiled: true });
  const profiles = options.profile ? await options.profile.stop() : undefined;
  const hiveFirst = await measureRun(hive, hiveMix, half);
  const hiveSecond = await measureRun(hive, hiveMix, half, { warm: true });
  const oursSecond = await measureRun(ours, oursMix, half, { warm: true });
  const oursPeer = combineRuns([oursFirst, oursSecond], half);
  const hivePeer = combineRuns([hiveFirst, hiveSecond], half);

  log(`gateway overhead: the patient query through ours, then its ${fetches.length} subgraph requests directly`);
  const oursPatient = await measure(ours, throughGateway(ours, options.patientBodies));
  const direct = [];
  for (const share of shares) {
    const run = await measure(undefined, (runSeconds) => ({
      kind: 'reads',
      url: share.url,
      internal: options.internal,
      bodies: share.bodies,
      seconds: runSeconds,
      connections,
    }));
    direct.push({ subgraph: share.subgraph, perQuery: share.perQuery, requests: share.bodies.length, run });
  }
  return {
    connections,
    seconds,
    warmupSeconds,
    overhead: {
      queries: options.patientBodies.length,
      ours: oursPatient,
      direct,
      ratios: overheadRatios(
        oursPatient.figures,
        direct.map((entry) => ({ subgraph: entry.subgraph, perQuery: entry.perQuery, figures: entry.run.figures })),
      ),
    },
    peer: {
      requests: options.mixBodies.length,
      subgraphRequests: { ours: oursRequests, hive: hiveRequests },
      differences,
      ours: oursPeer,
      hive: hivePeer,
      throughputRatio: ratioOf(oursPeer.figures.perSecond, hivePeer.figures.perSecond),
      p99Ratio: ratioOf(oursPeer.figures.latency.p99, hivePeer.figures.latency.p99),
    },
    ...(profiles ? { profiles } : {}),
  };
}

/** Runs of `seconds` each taken as one: answers and latencies together, usage averaged. */
export function combineRuns(
  parts: readonly { run: ReadRunResult; gatewayUsage: ProcessUsage | undefined; subgraphUsage: ProcessUsage }[],
  seconds: number,
): MeasuredRead {
  const errors: Record<string, number> = {};
  for (const { run } of parts) {
    for (const [code, count] of Object.entries(run.errors)) errors[code] = (errors[code] ?? 0) + count;
  }
  const average = (usages: (ProcessUsage | undefined)[]): ProcessUsage | undefined => {
    const known = usages.filter((usage): usage is ProcessUsage => usage !== undefined);
    if (known.length === 0) return undefined;
    return {
      eventLoopUtilisation: known.reduce((sum, usage) => sum + usage.eventLoopUtilisation, 0) / known.length,
      cpuPerSecond: known.reduce((sum, usage) => sum + usage.cpuPerSecond, 0) / known.length,
    };
  };
  const run: ReadRunResult = {
    ok: parts.reduce((sum, part) => sum + part.run.ok, 0),
    errors,
    seconds: parts.reduce((sum, part) => sum + part.run.seconds, 0),
    latenciesMs: parts.flatMap((part) => part.run.latenciesMs),
    connectionErrors: parts.reduce((sum, part) => sum + part.run.connectionErrors, 0),
    timeouts: parts.reduce((sum, part) => sum + part.run.timeouts, 0),
  };
  return {
    figures: readFigures(run, seconds * parts.length),
    gatewayUsage: average(parts.map((part) => part.gatewayUsage)),
    subgraphUsage: average(parts.map((part) => part.subgraphUsage))!,
  };
}
