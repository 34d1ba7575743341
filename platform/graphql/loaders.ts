/**
 * DataLoader factories for the two shapes every subgraph needs: one row per key (entities by id, for
 * `__resolveReference` and references) and many rows per key (a parent's children). One batched query per
 * tick instead of one per object.
 */
import DataLoader from 'dataloader';

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
