/**
 * One MikroORM instance per subgraph, on its own PostgreSQL schema: real PostgreSQL when the process has a
 * `DATABASE_URL`, else the process's shared embedded PGlite. Entities, repositories and migrations are the
 * same on both; only the driver differs.
 */
import type { EntitySchema, MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PgliteMikroORM, PgliteDriver } from '@mikro-orm/pglite';
import { MikroORM as PostgresMikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AbstractSqlDriver, EntityManager, MikroORM } from '@mikro-orm/sql';
import type { Logger } from '../logger.ts';
import type { EmbeddedPostgres } from './embedded-postgres.ts';

/** Where a subgraph's schema lives. */
export type DatabaseTarget =
  { kind: 'postgres'; url: string; poolMax: number } | { kind: 'embedded'; embedded: EmbeddedPostgres };

/** A subgraph's ORM; `em` is the root entity manager, to be forked per unit of work. */
export type Orm = MikroORM<AbstractSqlDriver, EntityManager<AbstractSqlDriver>>;
export type { EntityManager };

export interface OrmOptions {
  target: DatabaseTarget;
  /** PostgreSQL schema that holds every table of the subgraph, e.g. `patients`. */
  schema: string;
  // Entity schemas of any shape; MikroORM checks them at discovery.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any, any>[];
  /** The subgraph's migrations in order (see each subgraph's `migrations/index.ts`). */
  migrations: MigrationObject[];
  logger: Logger;
}

/** Name of the table that records applied migrations, in each subgraph's schema. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/** Connects a subgraph's ORM. Does not touch the schema: call `migrate()` for that. */
export async function createOrm(options: OrmOptions): Promise<Orm> {
  const log = options.logger.child({ component: 'orm', schema: options.schema });
  const common = {
    schema: options.schema,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList: options.migrations,
      snapshot: false,
      silent: true,
      allOrNothing: true,
    },
    // Every unit of work forks its own entity manager; touching the global one is a bug.
    allowGlobalContext: false,
    logger: (message: string) => log.debug(message),
  };

  if (options.target.kind === 'postgres') {
    return (await PostgresMikroORM.init({
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: options.target.url,
      pool: { max: options.target.poolMax },
    })) as unknown as Orm;
  }
  return (await PgliteMikroORM.init({
    ...common,
    driver: PgliteDriver,
    driverOptions: options.target.embedded.dialect(),
  })) as unknown as Orm;
}

/** Applies the subgraph's pending migrations (each migration creates what it needs, schema included). */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

/** True when every migration of the subgraph has been applied (used by readiness checks). */
export async function migrationsApplied(orm: Orm): Promise<boolean> {
  const pending = await orm.migrator.getPending();
  return pending.length === 0;
}

/**
 * Exclusion constraints (named `*_excl`) are written by hand in migrations because the ORM cannot describe
 * them; its schema diff therefore always proposes to drop them. This removes those statements from a diff.
 */
export function withoutHandWrittenConstraints(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/(drop|add) constraint "[a-z0-9_]+_excl"/.test(line))
    .join('\n')
    .trim();
}
