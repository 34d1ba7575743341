/**
 * Verifies the audit log's hash chain (SPEC §8) in the database, from the retention anchor to the chain head,
 * streaming the entries in pages: `DATABASE_URL=postgres://… npm run audit:verify`. Prints the result (JSON) and
 * exits 0 when the chain is intact, 1 when it is broken (with the first broken position and why), 2 on a
 * configuration problem (no `DATABASE_URL`, an unreachable database, an audit schema not migrated).
 *
 * The embedded graph (`npm start` without `DATABASE_URL`) holds its database in its own process: ask it instead,
 * as an admin, `query { auditChainStatus { valid length firstBrokenPosition reason } }`.
 */
import { z } from 'zod';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { BaseEntity } from '../platform/db/base.entity.ts';
import { createOrm, migrationsApplied, type Orm } from '../platform/db/orm.ts';
import { eventingEntities } from '../platform/events/outbox.entity.ts';
import { createLogger } from '../platform/logger.ts';
import { verifyStoredChain } from '../subgraphs/audit/audit-chain.service.ts';
import { auditEntities } from '../subgraphs/audit/audit.entity.ts';
import { migrations } from '../subgraphs/audit/migrations/index.ts';

const envSchema = z.object({
  DATABASE_URL: z.string().url(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

async function main(): Promise<number> {
  let env: z.infer<typeof envSchema>;
  try {
    env = loadConfig(envSchema, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message}\n(the embedded graph answers \`auditChainStatus\` to admins instead)`);
    return 2;
  }
  let orm: Orm;
  try {
    orm = await createOrm({
      target: { kind: 'postgres', url: env.DATABASE_URL, poolMax: 2 },
      schema: 'audit',
      entities: [BaseEntity, ...eventingEntities, ...auditEntities],
      migrations,
      logger: createLogger({ name: 'audit-verify', level: env.LOG_LEVEL }),
    });
  } catch (error) {
    console.error(`Cannot connect to DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  try {
    try {
      await orm.em.getConnection().execute('select 1');
    } catch (error) {
      console.error(`Cannot connect to DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    if (!(await migrationsApplied(orm))) {
      console.error('The audit schema is not migrated in this database (start the audit subgraph once).');
      return 2;
    }
    const status = await verifyStoredChain(orm.em, new Date());
    console.log(JSON.stringify(status, null, 2));
    return status.valid ? 0 : 1;
  } finally {
    await orm.close();
  }
}

process.exitCode = await main();
