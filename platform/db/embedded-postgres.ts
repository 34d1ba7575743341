/**
 * Embedded PostgreSQL (PGlite) for the one-process default. One PGlite instance serves every subgraph, each in
 * its own schema; it is a single session, so every connection handed out by the Kysely dialect below holds a
 * shared mutex for as long as it is in use (one statement, or one whole transaction). That makes concurrent
 * requests take turns instead of interleaving inside each other's transactions.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPostgreSqlTypeParsers } from '@mikro-orm/sql';
import { Mutex } from 'async-mutex';
import postgresArray from 'postgres-array';
import {
  PGliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';

/** A running embedded database, shared by the subgraphs of one process. */
export interface EmbeddedPostgres {
  readonly pglite: PGlite;
  /** A fresh Kysely dialect over the shared instance, for one ORM. */
  dialect(): PGliteDialect;
  close(): Promise<void>;
}

/**
 * Starts PGlite with the extensions the migrations need (`btree_gist` for exclusion constraints, `pg_trgm` for
 * search). `dataDir` is a folder whose contents survive restarts, or `memory://` for a throwaway database.
 */
export async function openEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir,
    extensions: { btree_gist, pg_trgm },
    // The same value parsing MikroORM configures for PostgreSQL (dates and times arrive as text it converts),
    // which its own PGlite driver would set up if it created the instance.
    parsers: createPostgreSqlTypeParsers((text) => postgresArray.parse(text)),
  });
  const mutex = new Mutex();
  return {
    pglite,
    dialect: () => new SerializedPGliteDialect(pglite, mutex),
    close: async () => {
      // Wait for whoever holds the session to finish before closing it.
      await mutex.runExclusive(() => pglite.close());
    },
  };
}

class SerializedPGliteDialect extends PGliteDialect {
  readonly #mutex: Mutex;

  constructor(pglite: PGlite, mutex: Mutex) {
    super({ pglite });
    this.#mutex = mutex;
  }

  override createDriver(): Driver {
    return new SerializedDriver(super.createDriver(), this.#mutex);
  }
}

/** Delegates to Kysely's PGlite driver, holding the shared mutex from acquire to release. */
class SerializedDriver implements Driver {
  readonly #inner: Driver;
  readonly #mutex: Mutex;
  /** Release of the mutex; only one connection is out at a time, so one slot suffices. */
  #release: (() => void) | undefined;

  constructor(inner: Driver, mutex: Mutex) {
    this.#inner = inner;
    this.#mutex = mutex;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.acquire();
    this.#release = release;
    return this.#inner.acquireConnection();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(connection);
    } finally {
      const release = this.#release;
      this.#release = undefined;
      release?.();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.#inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#inner.releaseSavepoint!(connection, name, compile);
  }

  /** The instance belongs to `EmbeddedPostgres`, which closes it once every subgraph has stopped. */
  async destroy(): Promise<void> {}
}
