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

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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

/** Sends Ctrl-C and resolves with the exit code. */
function interrupt(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

describe('npm start', () => {
  let patientId: string;
  let adminCredentials: [string, string];

  it('brings the graph up with a generated first admin, answers queries and stops cleanly on Ctrl-C', async () => {
    const running = await start();
    const credentials = /First admin created: (\S+) \/ (\S+)/.exec(running.output());
    expect(credentials).not.toBeNull();
    const admin = await new GraphClient(running.url).signIn(credentials![1]!, credentials![2]!);
    const created = await admin.data<{ registerPatient: { id: string } }>(
      'mutation { registerPatient(input: { givenName: "Persisted", familyName: "Patient", birthDate: "1970-01-01" }) { id } }',
    );
    patientId = created.registerPatient.id;
    expect(await interrupt(running.child)).toBe(0);
    adminCredentials = [credentials![1]!, credentials![2]!];
  });

  it('keeps the data across a restart and does not create the admin again', async () => {
    const running = await start();
    expect(running.output()).not.toMatch(/First admin created/);
    const [email, password] = adminCredentials;
    const admin = await new GraphClient(running.url).signIn(email, password);
    const data = await admin.data<{ patient: { givenName: string } | null }>(
      'query($id: ID!) { patient(id: $id) { givenName } }',
      { id: patientId },
    );
    expect(data.patient?.givenName).toBe('Persisted');
    expect(await interrupt(running.child)).toBe(0);
  });
});
