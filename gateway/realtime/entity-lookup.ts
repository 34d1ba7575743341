/**
 * Reads the entity an event carries through the supergraph, as the subscriber, with exactly the selection the
 * subscriber wrote. From a subscription like
 *
 *     subscription($n: Int) { appointmentUpdated { type a: appointment { status bills(first: $n) { totalCount } } } }
 *
 * and an event about appointment 42 it builds
 *
 *     query SubscriptionEntity($hmsEntityId: ID!, $n: Int) {
 *       a: appointment(id: $hmsEntityId) { __typename status bills(first: $n) { __typename totalCount } }
 *     }
 *
 * and runs it through the gateway like any client query, so every `@access` rule and ownership check of SPEC §2
 * applies to the subscriber. The result is keyed by response keys (aliases); `responseKeyResolver` reads it back
 * that way when the subscription's own execution completes the fields.
 */
import {
  defaultFieldResolver,
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLResolveInfo,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';

/** One occurrence of the entity in the subscriber's selection: its response key and what to read of it. */
export interface EntitySelection {
  responseKey: string;
  selectionSet: SelectionSetNode;
}

/** What the lookup needs from the subscription operation (parts of `GraphQLResolveInfo`). */
export type OperationParts = Pick<GraphQLResolveInfo, 'fragments' | 'operation' | 'variableValues'>;

/** A query ready to run through the gateway. */
export interface LookupQuery {
  document: DocumentNode;
  variables: Record<string, unknown>;
}

/** Executes a lookup query as the subscriber (the gateway's `executeOperation`). */
export type LookupExecutor = (query: LookupQuery) => Promise<{
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}>;

/** The entity as the subscriber may read it, by response key, and the errors of fields they may not read. */
export interface LookupResult {
  /** Null when the subscriber may not read the entity at all (or it no longer exists): skip the event. */
  values: Record<string, unknown> | null;
  /** Errors inside the entity, with `path` relative to the entity (starting at its response key). */
  errors: GraphQLFormattedError[];
}

/** What is read of an entity when the subscriber selected nothing of it: its id. */
const PROBE: EntitySelection = {
  responseKey: 'hmsEntityProbe',
  selectionSet: {
    kind: Kind.SELECTION_SET,
    selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'id' } }],
  },
};

/** Marks objects that came back from a lookup: their properties are response keys. */
const LOOKED_UP = Symbol('looked-up');

const field = (name: string, selectionSet?: SelectionSetNode, alias?: string): FieldNode => ({
  kind: Kind.FIELD,
  name: { kind: Kind.NAME, value: name },
  ...(alias && alias !== name ? { alias: { kind: Kind.NAME, value: alias } } : {}),
  ...(selectionSet ? { selectionSet } : {}),
});

/**
 * The fields named `fieldName` directly under `selectionSets` (through inline fragments and fragment spreads), grouped
 * by response key with their selections merged.
 */
export function entitySelections(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  fieldName: string,
  fragments: Record<string, FragmentDefinitionNode>,
): EntitySelection[] {
  const byKey = new Map<string, SelectionNode[]>();
  const walk = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): void => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== fieldName || !selection.selectionSet) continue;
        const key = selection.alias?.value ?? selection.name.value;
        byKey.set(key, [...(byKey.get(key) ?? []), ...selection.selectionSet.selections]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        walk(fragments[selection.name.value]?.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  for (const selectionSet of selectionSets) walk(selectionSet, new Set());
  return [...byKey].map(([responseKey, selections]) => ({
    responseKey,
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  }));
}

/** The selections of a root field that is itself the entity (e.g. `notificationAdded`), by response key. */
export function rootEntitySelections(fieldNodes: readonly FieldNode[]): EntitySelection[] {
  return entitySelections([{ kind: Kind.SELECTION_SET, selections: fieldNodes }], fieldNodes[0]!.name.value, {});
}

/** Fragment names spread anywhere under `node`. */
function spreadNames(node: SelectionSetNode | FragmentDefinitionNode): Set<string> {
  const names = new Set<string>();
  visit(node, {
    FragmentSpread(spread) {
      names.add(spread.name.value);
    },
  });
  return names;
}

/** Variable names used anywhere under `nodes`. */
function variableNames(nodes: readonly (SelectionSetNode | FragmentDefinitionNode)[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) {
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  }
  return names;
}

/** Adds `__typename` to every selection set, so that abstract types can be completed from the result. */
function withTypenames<Node extends SelectionSetNode | FragmentDefinitionNode>(node: Node): Node {
  return visit(node, {
    SelectionSet(selectionSet) {
      const has = selectionSet.selections.some(
        (selection) => selection.kind === Kind.FIELD && selection.name.value === '__typename' && !selection.alias,
      );
      return has ? undefined : { ...selectionSet, selections: [field('__typename'), ...selectionSet.selections] };
    },
  });
}

/**
 * Builds the query reading entity `id` through `lookupField` (a root `Query` field taking `id: ID!`), once per
 * selection, with the fragments and variables of the subscription operation that those selections use.
 */
export function buildLookupQuery(
  lookupField: string,
  id: string,
  selections: readonly EntitySelection[],
  operation: OperationParts,
): LookupQuery {
  // The fragments the selections reach, transitively.
  const reached = new Map<string, FragmentDefinitionNode>();
  const pending = selections.flatMap(({ selectionSet }) => [...spreadNames(selectionSet)]);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const fragment = operation.fragments[name];
    if (!fragment || reached.has(name)) continue;
    reached.set(name, fragment);
    pending.push(...spreadNames(fragment));
  }
  const used = variableNames([...selections.map(({ selectionSet }) => selectionSet), ...reached.values()]);
  const definitions = (operation.operation.variableDefinitions ?? []).filter((definition) =>
    used.has(definition.variable.name.value),
  );
  const taken = new Set((operation.operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  let idVariable = 'hmsEntityId';
  while (taken.has(idVariable)) idVariable = `_${idVariable}`;

  const idDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const lookups: FieldNode[] = selections.map(({ responseKey, selectionSet }) => ({
    ...field(lookupField, withTypenames(selectionSet), responseKey),
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
      },
    ],
  }));
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as never,
        name: { kind: Kind.NAME, value: 'SubscriptionEntity' },
        variableDefinitions: [idDefinition, ...definitions],
        selectionSet: { kind: Kind.SELECTION_SET, selections: lookups },
      },
      ...[...reached.values()].map(withTypenames),
    ],
  };
  const variables: Record<string, unknown> = { [idVariable]: id };
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    if (name in operation.variableValues) variables[name] = operation.variableValues[name];
  }
  return { document, variables };
}

/** Marks every object of a lookup result, so that `responseKeyResolver` reads them by response key. */
function markLookedUp(value: unknown): unknown {
  if (Array.isArray(value)) value.forEach(markLookedUp);
  else if (value !== null && typeof value === 'object') {
    Object.defineProperty(value, LOOKED_UP, { value: true });
    Object.values(value).forEach(markLookedUp);
  }
  return value;
}

/**
 * Runs the lookup of entity `id` as the subscriber.
 *
 * @returns the entity by response key, or `values: null` when none of its occurrences could be read (the event
 *   must not reach this subscriber), and the errors of what they could not read inside it.
 */
export async function lookUpEntity(
  execute: LookupExecutor,
  lookupField: string,
  id: string,
  selections: readonly EntitySelection[],
  operation: OperationParts,
): Promise<LookupResult> {
  // A subscriber who selected nothing of the entity still receives only events about entities they may read.
  const wanted = selections.length > 0 ? selections : [PROBE];
  const result = await execute(buildLookupQuery(lookupField, id, wanted, operation));
  const data = result.data ?? {};
  // Readable: it came back, or it is null only because a non-null field inside it failed (an error deeper down).
  // An error on the entity itself (FORBIDDEN, NOT_FOUND) or a plain null means the subscriber may not see it.
  const readable = wanted.some(
    ({ responseKey }) =>
      (data[responseKey] !== null && data[responseKey] !== undefined) ||
      (result.errors ?? []).some((error) => error.path?.[0] === responseKey && error.path.length > 1),
  );
  if (!readable) return { values: null, errors: [] };
  return { values: markLookedUp({ ...data }) as Record<string, unknown>, errors: [...(result.errors ?? [])] };
}

/**
 * Field resolver for the subscription's execution: objects that came from a lookup are read by response key (their
 * aliases), everything else by field name as usual.
 */
export const responseKeyResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
  if (source !== null && typeof source === 'object' && LOOKED_UP in source) {
    return (source as Record<string, unknown>)[String(info.path.key)];
  }
  return defaultFieldResolver(source, args, context, info);
};
