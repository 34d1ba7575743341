/**
 * One MikroORM instance per subgraph, on its own PostgreSQL schema: real PostgreSQL when the process has a
 * `DATABASE_URL`, else the process's shared embedded PGlite. Entities, repositories and migrations are the
 * same on both; only the driver differs.
 */
import type { EntitySchema, EventSubscriber, MigrationObject } from '@mikro-orm/core';
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
 * Exclusion constraints (named `*_excl`) and triggers (with their functions) are written by hand in migrations
 * because our entities do not describe them; the ORM's schema diff therefore always proposes to drop them. This
 * removes those statements from a diff.
 */
export function withoutHandWrittenConstraints(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/(drop|add) constraint "[a-z0-9_]+_excl"/.test(line))
    .filter((line) => !/^drop (trigger|function) if exists "/.test(line))
    .join('\n')
    .trim();
}

/** Sees one SQL statement: its text with `?` placeholders (parameters are never passed), or `begin`/`commit`/`rollback`. */
export type StatementObserver = (sql: string) => void;

const statementObservers = new WeakMap<Orm, Set<StatementObserver>>();

/**
 * Calls `observer` synchronously, in the async context of the code that sent it, for every SQL statement `orm` runs
 * from now on, until the returned function is called (tests and the benchmark count statements per request with it,
 * `platform/testing/query-count.ts`). Queries and native statements come from MikroORM 7's `onQuery` hook (called
 * once per statement by `AbstractSqlConnection.prepareQuery`); the transaction statements Kysely sends itself
 * (`begin`, `commit`, `rollback`, savepoints) from the entity manager's transaction events. Nothing is installed
 * until the first observer of an ORM; with none left the hooks only check an empty set.
 */
export function observeStatements(orm: Orm, observer: StatementObserver): () => void {
  let observers = statementObservers.get(orm);
  if (!observers) {
    const installed = new Set<StatementObserver>();
    observers = installed;
    statementObservers.set(orm, installed);
    const notify = (sql: string): void => {
      for (const each of installed) each(sql);
    };
    const onQuery = orm.config.get('onQuery');
    orm.config.set('onQuery', (sql: string, params: readonly unknown[]) => {
      if (installed.size > 0) notify(sql);
      return onQuery(sql, params);
    });
    const transactions: EventSubscriber = {
      afterTransactionStart: () => {
        if (installed.size > 0) notify('begin');
      },
      afterTransactionCommit: () => {
        if (installed.size > 0) notify('commit');
      },
      afterTransactionRollback: () => {
        if (installed.size > 0) notify('rollback');
      },
    };
    orm.em.getEventManager().registerSubscriber(transactions);
  }
  const active = observers;
  active.add(observer);
  return () => {
    active.delete(observer);
  };
}
