/**
 * `npm run bench -- --cpu-prof`: a V8 CPU profile of this process (the whole graph) during the measured booking
 * run, written as a `.cpuprofile` (Chrome DevTools opens it) and summarised by self time: the functions and the
 * packages or project folders that the graph's one thread spends its time in.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

interface Profiler {
  /** Ends the profile, writes it to `path` and summarises it. Safe to call again (same answer, `path` ignored). */
  stop(path: string): Promise<ProfileSummary>;
}

export interface ProfileSummary {
  path: string;
  totalMs: number;
  topFunctions: { name: string; where: string; ms: number; share: number }[];
  /**
   * Self time by package or project folder, where the time of Node's internals and native code (socket writes,
   * crypto) is charged to the nearest caller in a package or in the project: who asked for the work.
   */
  topAreas: { area: string; ms: number; share: number }[];
}

export async function startProfiler(): Promise<Profiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const finish = async (path: string): Promise<ProfileSummary> => {
    try {
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
      writeFileSync(path, JSON.stringify(profile));
      return summariseProfile(profile, path);
    } finally {
      session.disconnect();
    }
  };
  let stopped: Promise<ProfileSummary> | undefined;
  return { stop: (path) => (stopped ??= finish(path)) };
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where a frame's code lives: a package or a project folder; undefined for Node's internals and native code. */
function codeAreaOf(url: string): string | undefined {
  if (!url || url.startsWith('node:')) return undefined;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (packageMatch) return packageMatch[1]!;
  const local = relative(root, path);
  if (local.startsWith('..')) return path;
  const parts = local.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : `${parts[0]}/`;
}

function whereOf(url: string, lineNumber: number): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const local = path.includes('node_modules/') ? path.slice(path.lastIndexOf('node_modules/') + 13) : path;
  return `${local.startsWith(root) ? relative(root, local) : local}:${lineNumber + 1}`;
}

function summariseProfile(profile: Profile, path: string): ProfileSummary {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const areaOfNode = (id: number): string => {
    const frame = byNode.get(id)!.callFrame;
    if (!frame.url && frame.functionName.startsWith('(')) return frame.functionName; // (idle), (garbage collector)…
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const area = codeAreaOf(byNode.get(at)!.callFrame.url);
      if (area) return area;
    }
    return 'node: internals';
  };
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the gap to the next one.
  for (let i = 0; i < samples.length; i++) {
    const delta = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + delta);
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byNode.get(id)!.callFrame;
    totalUs += us;
    const name = frame.functionName || '(anonymous)';
    const where = whereOf(frame.url, frame.lineNumber);
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const area = areaOfNode(id);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const share = (us: number) => (totalUs === 0 ? 0 : us / totalUs);
  return {
    path,
    totalMs: totalUs / 1000,
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 15)
      .map((entry) => ({ name: entry.name, where: entry.where, ms: entry.us / 1000, share: share(entry.us) })),
    topAreas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([area, us]) => ({ area, ms: us / 1000, share: share(us) })),
  };
}
