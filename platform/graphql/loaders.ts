/**
 * DataLoader factories for the shapes every subgraph needs: one row per key (entities by id, for
 * `__resolveReference` and references), many rows per key (a parent's children) and one page per parent (a nested
 * connection such as `Patient.appointments(first: 10)`). One batched query per tick instead of one per object, so
 * that a page of 100 parents costs the same statements as a page of 10 (`test/e2e/batching.test.ts`).
 */
import type { EntityDictionary, EntityName } from '@mikro-orm/core';
import type { QueryBuilder } from '@mikro-orm/sql';
import DataLoader from 'dataloader';
import type { EntityManager } from '../db/orm.ts';

/** Loads one item per key; a missing key yields null. */
export function loaderById<Item>(
  fetch: (keys: readonly string[]) => Promise<Item[]>,
  keyOf: (item: Item) => string,
): DataLoader<string, Item | null> {
  return new DataLoader<string, Item | null>(async (keys) => {
    const byKey = new Map((await fetch(keys)).map((item) => [keyOf(item), item]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Loads every item belonging to each key (e.g. a patient's identifiers), keeping the fetch's order. */
export function loaderGrouped<Item>(
  fetch: (keys: readonly string[]) => Promise<Item[]>,
  keyOf: (item: Item) => string,
): DataLoader<string, Item[]> {
  return new DataLoader<string, Item[]>(async (keys) => {
    const groups = new Map<string, Item[]>(keys.map((key) => [key, []]));
    for (const item of await fetch(keys)) groups.get(keyOf(item))?.push(item);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

const requestLoaders = new WeakMap<object, Map<string, DataLoader<never, unknown, unknown>>>();

/**
 * The DataLoader called `name` of one request, created by `create` on first use. `context` is the request's
 * context object (the same object for every resolver of a request, so each request has its own loaders and cache);
 * for loaders a subgraph's context does not build up front, e.g. the per-parent connections below.
 */
export function requestLoader<Key, Value, CacheKey = Key>(
  context: object,
  name: string,
  create: () => DataLoader<Key, Value, CacheKey>,
): DataLoader<Key, Value, CacheKey> {
  let loaders = requestLoaders.get(context);
  if (!loaders) {
    loaders = new Map();
    requestLoaders.set(context, loaders);
  }
  let loader = loaders.get(name) as DataLoader<Key, Value, CacheKey> | undefined;
  if (!loader) {
    loader = create();
    loaders.set(name, loader as unknown as DataLoader<never, unknown, unknown>);
  }
  return loader;
}

/** One parent's nested list as a field asks for it: the parent's id and the field's arguments. */
export interface ParentKey<Args> {
  parentId: string;
  args: Args;
}

/**
 * Loads a nested field of many parents (e.g. `Patient.appointments(first: 10)` of a page of patients) with one
 * `fetch` per distinct set of arguments, instead of one per parent. `fetch` returns one result per parent id, in
 * order; an `Error` there fails only that parent's field (e.g. FORBIDDEN for one patient of the page).
 *
 * @param argsKey a string that is equal for equal arguments (e.g. their JSON), grouping the parents of one fetch.
 */
export function loaderPerParent<Args, Result>(
  fetch: (parentIds: readonly string[], args: Args) => Promise<(Result | Error)[]>,
  argsKey: (args: Args) => string,
): DataLoader<ParentKey<Args>, Result, string> {
  return new DataLoader<ParentKey<Args>, Result, string>(
    async (keys) => {
      const groups = new Map<string, { args: Args; indexes: number[] }>();
      keys.forEach((key, index) => {
        const group = argsKey(key.args);
        const entry = groups.get(group) ?? { args: key.args, indexes: [] };
        entry.indexes.push(index);
        groups.set(group, entry);
      });
      const results: (Result | Error)[] = new Array(keys.length);
      await Promise.all(
        [...groups.values()].map(async ({ args, indexes }) => {
          const parentIds = [...new Set(indexes.map((index) => keys[index]!.parentId))];
          const fetched = await fetch(parentIds, args).catch((error: unknown) =>
            parentIds.map(() => (error instanceof Error ? error : new Error(String(error)))),
          );
          const byParent = new Map(parentIds.map((parentId, i) => [parentId, fetched[i]!]));
          for (const index of indexes) results[index] = byParent.get(keys[index]!.parentId)!;
        }),
      );
      return results;
    },
    { cacheKeyFn: (key) => `${argsKey(key.args)}\u0000${key.parentId}` },
  );
}

/**
 * One page of rows for each of many parents, in ONE statement: `onePage` is the query of one parent's page (its
 * filter, keyset condition, order and `limit`) in which `"parent"."id"` stands for the parent's id, e.g.
 * `qb.andWhere('a.patient_id = parent.id')`; it runs as a lateral subquery for every id of `parentIds`:
 *
 *     select "page".* from unnest(array[…]::uuid[]) as "parent"("id") cross join lateral (<onePage>) as "page"
 *
 * Each parent's page is then an index range scan stopped at its limit (with an index leading with the parent
 * column then the sort key), whatever the parents' histories. Returns the rows as entities managed by `em`, each
 * parent's in the page's order.
 */
export async function pagesPerParent<Entity extends object>(
  em: EntityManager,
  entity: EntityName<Entity>,
  parentIds: readonly string[],
  onePage: QueryBuilder<Entity>,
): Promise<Entity[]> {
  if (parentIds.length === 0) return [];
  const page = onePage.toQuery();
  const rows = await em.execute<EntityDictionary<Entity>[]>(
    `select "page".* from unnest(array[${parentIds.map(() => '?').join(', ')}]::uuid[]) as "parent"("id")
       cross join lateral (${page.sql}) as "page"`,
    [...parentIds, ...page.params],
  );
  return rows.map((row) => em.map(entity, row));
}

/**
 * The `totalCount` of many parents' lists, counted in one grouped statement the first time any of them is asked
 * for (most clients never ask). `count` returns the count per parent id; a parent it leaves out has none.
 */
export function countsPerParent(
  parentIds: readonly string[],
  count: (parentIds: readonly string[]) => Promise<Map<string, number>>,
): (parentId: string) => Promise<number> {
  let counted: Promise<Map<string, number>> | undefined;
  return async (parentId) => {
    counted ??= count(parentIds);
    return (await counted).get(parentId) ?? 0;
  };
}
