/** A subgraph's ORM on a private test database, migrated, for integration tests of repositories and events. */
import { BaseEntity } from '../db/base.entity.ts';
import { createOrm, migrate, type Orm } from '../db/orm.ts';
import { eventingEntities } from '../events/outbox.entity.ts';
import { createLogger } from '../logger.ts';
import { openDatabase, type OpenDatabase } from '../process.ts';
import type { SubgraphDefinition } from '../subgraph.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { testLogLevel } from './services.ts';

export interface TestDatabaseHandle {
  db: TestDatabase;
  database: OpenDatabase;
  /** Opens (and migrates) the ORM of a subgraph on this database. */
  orm(definition: Pick<SubgraphDefinition<never>, 'name' | 'entities' | 'migrations'>): Promise<Orm>;
  close(): Promise<void>;
}

/** A fresh database (PostgreSQL when configured, else in-memory PGlite) for one test file. */
export async function openTestDatabase(): Promise<TestDatabaseHandle> {
  const db = await createTestDatabase();
  const database = await openDatabase({ url: db.url, poolMax: 20, dataDir: 'memory://' });
  const orms: Orm[] = [];
  const logger = createLogger({ name: 'test', level: testLogLevel });
  return {
    db,
    database,
    async orm(definition) {
      const orm = await createOrm({
        target: database.target,
        schema: definition.name,
        entities: [BaseEntity, ...eventingEntities, ...definition.entities],
        migrations: definition.migrations,
        logger,
      });
      orms.push(orm);
      await migrate(orm);
      return orm;
    },
    async close() {
      for (const orm of orms) await orm.close();
      await database.close();
      await db.drop();
    },
  };
}
