/**
 * `npm run audit:verify` as an operator runs it, against a PostgreSQL test database (the embedded database lives
 * inside its own process, so there it only reports the missing `DATABASE_URL`): exit 0 and the status for an
 * intact chain, 1 with the first broken position once a row is altered, 2 without a usable database.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openAuditTestBed, someEvents, type AuditTestBed } from '../subgraphs/audit/audit.fixtures.ts';

const run = promisify(execFile);
const script = new URL('./audit-verify.ts', import.meta.url).pathname;

/** Runs the CLI with `env` (and nothing else of this process's environment but PATH). */
async function verify(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let bed: AuditTestBed;

beforeAll(async () => {
  bed = await openAuditTestBed();
});
afterAll(async () => {
  await bed?.close();
});

describe('npm run audit:verify', () => {
  it('exits 2 without DATABASE_URL', async () => {
    const result = await verify({});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL');
  });

  it('exits 0 for an intact chain and 1 with the first broken position once a row is altered', async () => {
    if (!bed.databaseUrl) return; // embedded PGlite: no other process can open it
    await bed.deliverAll(someEvents(5));
    const intact = await verify({ DATABASE_URL: bed.databaseUrl });
    expect([intact.code, intact.stderr]).toEqual([0, '']);
    expect(JSON.parse(intact.stdout)).toMatchObject({ valid: true, length: 5 });
    await bed.sql(`update "audit"."audit_event" set "source" = 'forged' where "position" = 4`);
    const broken = await verify({ DATABASE_URL: bed.databaseUrl });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ valid: false, firstBrokenPosition: 4, reason: 'HASH_MISMATCH' });
  });

  it('exits 2 for a database without the audit schema', async () => {
    if (!bed.databaseUrl) return;
    const url = new URL(bed.databaseUrl);
    url.pathname = '/postgres';
    expect((await verify({ DATABASE_URL: url.toString() })).code).toBe(2);
  });
});
