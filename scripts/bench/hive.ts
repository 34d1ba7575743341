/**
 * Hive Gateway (`@graphql-hive/gateway`), the peer the bench compares our gateway with. It is not a dependency of the
 * project: the bench installs the pinned version into a cache folder outside the repository on first use (`npm
 * install --prefix`, about 100 s once) and reuses it afterwards. `hive-gateway.ts` runs it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The version compared (the registry's latest when the comparison was written). */
export const HIVE_GATEWAY_VERSION = '2.15.1';
/** Where it is installed (`HMS_BENCH_HIVE_DIR` to choose another folder). */
export const HIVE_DIR = process.env.HMS_BENCH_HIVE_DIR ?? '/tmp/hms-bench-hive';

const run = promisify(execFile);

function installedVersion(dir: string): string | undefined {
  const manifest = join(dir, 'node_modules', '@graphql-hive', 'gateway', 'package.json');
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
}

/**
 * Installs Hive Gateway into `HIVE_DIR` unless that version is already there.
 *
 * @returns the folder and whether it was installed now (and how long that took, seconds).
 * @throws when npm fails (its output is in the message).
 */
export async function ensureHiveGateway(): Promise<{ dir: string; installedSeconds: number | undefined }> {
  if (installedVersion(HIVE_DIR) === HIVE_GATEWAY_VERSION) return { dir: HIVE_DIR, installedSeconds: undefined };
  mkdirSync(HIVE_DIR, { recursive: true });
  const started = performance.now();
  try {
    await run(
      'npm',
      [
        'install',
        '--prefix',
        HIVE_DIR,
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--loglevel=error',
        `@graphql-hive/gateway@${HIVE_GATEWAY_VERSION}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`installing Hive Gateway failed: ${output.message}\n${output.stderr ?? ''}`);
  }
  const version = installedVersion(HIVE_DIR);
  if (version !== HIVE_GATEWAY_VERSION) {
    throw new Error(`npm installed @graphql-hive/gateway ${version ?? '(nothing)'} into ${HIVE_DIR}`);
  }
  return { dir: HIVE_DIR, installedSeconds: (performance.now() - started) / 1000 };
}
