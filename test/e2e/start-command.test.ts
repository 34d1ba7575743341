/**
 * The README's first command, as a newcomer runs it: `npm start` (`node embedded/main.ts`) with nothing
 * configured brings the whole graph up on embedded PostgreSQL, prints the URL, keeps its data across a
 * restart, and stops cleanly on Ctrl-C.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphClient } from '../../platform/graphql/client.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'hms-start-'));
const root = new URL('../../', import.meta.url);

const children = new Set<ChildProcess>();
afterAll(() => {
  // A failed test must not leave a graph running.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts the graph like `npm start` does, with only a data folder and a free port chosen. */
async function start(): Promise<Running> {
  const child = spawn(process.execPath, ['embedded/main.ts'], {
    cwd: root,
    // A clean environment: none of the test run's database or Kafka settings leak in.
    env: { PATH: process.env.PATH, HMS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /ready in [\d.]+s at (http:\/\/\S+\/graphql)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, url, output: () => output };
}

/** Sends Ctrl-C and resolves with the exit code (or rejects when the process does not stop within 30 s). */
function interrupt(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('did not stop within 30 s of Ctrl-C')), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGINT');
  });
}

describe('npm start', () => {
  it('brings the graph up with a generated first admin, stops cleanly on Ctrl-C, and keeps the data across a restart', async () => {
    const first = await start();
    const credentials = /First admin created: (\S+) \/ (\S+)/.exec(first.output());
    expect(credentials).not.toBeNull();
    const [email, password] = [credentials![1]!, credentials![2]!];
    const created = await (
      await new GraphClient(first.url).signIn(email, password)
    ).data<{ registerPatient: { id: string } }>(
      'mutation { registerPatient(input: { givenName: "Persisted", familyName: "Patient", birthDate: "1970-01-01" }) { id } }',
    );
    expect(await interrupt(first.child)).toBe(0);

    const second = await start();
    expect(second.output()).not.toMatch(/First admin created/);
    const admin = await new GraphClient(second.url).signIn(email, password);
    const data = await admin.data<{ patient: { givenName: string } | null }>(
      'query($id: ID!) { patient(id: $id) { givenName } }',
      { id: created.registerPatient.id },
    );
    expect(data.patient?.givenName).toBe('Persisted');
    expect(await interrupt(second.child)).toBe(0);
  });
});
