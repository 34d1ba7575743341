/**
 * The one authorization mechanism at the schema level. Every subgraph's SDL states, with the composed
 * `@access` directive, which roles may use a field or an entity type; this module enforces it inside the
 * subgraph, so a call obeys it by whatever path it arrives (root field, nested field, `_entities`).
 *
 * Rules:
 * - `@access(public: true)`: anyone, signed in or not.
 * - `@access`: any signed-in caller. `@access(roles: [...])`: a signed-in caller holding one of the roles.
 * - A field's own `@access` wins over its type's; fields of a type without either are open to whoever
 *   reached the parent object (which an authorized field or reference resolver produced).
 * - Root fields (`Query`, `Mutation`, `Subscription`) without `@access` are refused: default deny. A subscription
 *   field's policy guards its `subscribe` (the stream) as well as its `resolve` (each event).
 * - An entity type's `@access` also guards its `__resolveReference`.
 *
 * Ownership ("own records only") is finer than roles and lives in the services.
 */
import { getDirective } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { hasAnyRole, type Principal, type Role } from './principal.ts';

/** Name of the directive in the subgraph SDL files (imported through `@link`, composed via `@composeDirective`). */
export const ACCESS_DIRECTIVE = 'access';

/** A resolved policy: who may use a field. */
export interface AccessPolicy {
  public: boolean;
  /** Empty: any signed-in caller. */
  roles: Role[];
}

/** Whatever a request context carries about its caller. */
interface ContextWithPrincipal {
  principal: Principal | null;
}

/** Federation's own root fields, which carry no policy of their own (entity types carry theirs). */
const FEDERATION_ROOT_FIELDS = new Set(['_service', '_entities']);

function policyOf(
  schema: GraphQLSchema,
  node: GraphQLObjectType | GraphQLField<unknown, unknown>,
): AccessPolicy | undefined {
  const [args] = getDirective(schema, node, ACCESS_DIRECTIVE) ?? [];
  if (!args) return undefined;
  return { public: args.public === true, roles: (args.roles as Role[] | undefined) ?? [] };
}

/**
 * Decides whether `principal` satisfies `policy`.
 *
 * @throws UnauthenticatedError when the policy needs a signed-in caller and there is none.
 * @throws ForbiddenError when the caller holds none of the policy's roles.
 */
export function checkAccess(policy: AccessPolicy, principal: Principal | null): void {
  if (policy.public) return;
  if (!principal) throw new UnauthenticatedError();
  if (policy.roles.length > 0 && !hasAnyRole(principal, policy.roles)) throw new ForbiddenError();
}

function guard<Source, Context extends ContextWithPrincipal>(
  policy: AccessPolicy | 'deny',
  resolve: GraphQLFieldResolver<Source, Context>,
): GraphQLFieldResolver<Source, Context> {
  return (source, args, context, info) => {
    if (policy === 'deny') throw new ForbiddenError(`${info.parentType.name}.${info.fieldName} has no access policy.`);
    checkAccess(policy, context.principal);
    return resolve(source, args, context, info);
  };
}

/** The policy of every root field, for tests and documentation: `undefined` marks a field without one. */
export function rootFieldPolicies(schema: GraphQLSchema): Map<string, AccessPolicy | undefined> {
  const policies = new Map<string, AccessPolicy | undefined>();
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      if (FEDERATION_ROOT_FIELDS.has(field.name)) continue;
      policies.set(`${root.name}.${field.name}`, policyOf(schema, field));
    }
  }
  return policies;
}

type ReferenceResolver = (reference: unknown, context: ContextWithPrincipal, info: unknown) => unknown;
interface SubgraphExtensions {
  apollo?: { subgraph?: { resolveReference?: ReferenceResolver } };
}

function guardReferenceResolver(type: GraphQLObjectType, policy: AccessPolicy): void {
  const extensions = type.extensions as SubgraphExtensions;
  const subgraph = ((extensions.apollo ??= {}).subgraph ??= {});
  const resolveReference: ReferenceResolver = subgraph.resolveReference ?? ((reference) => reference);
  subgraph.resolveReference = (reference, context, info) => {
    checkAccess(policy, context.principal);
    return resolveReference(reference, context, info);
  };
}

/**
 * Wraps, in place, every resolver of `schema` that a policy applies to (see the module comment).
 * Call once on a schema built by `buildSubgraphSchema`, before serving it.
 */
export function enforceAccessPolicy(schema: GraphQLSchema): GraphQLSchema {
  const subscriptionType = schema.getSubscriptionType();
  const rootTypes = new Set([schema.getQueryType(), schema.getMutationType(), subscriptionType].filter(Boolean));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typePolicy = policyOf(schema, type);
    const isRoot = rootTypes.has(type);

    for (const field of Object.values(type.getFields())) {
      if (isRoot && FEDERATION_ROOT_FIELDS.has(field.name)) continue;
      const policy = policyOf(schema, field) ?? typePolicy ?? (isRoot ? 'deny' : undefined);
      if (policy) field.resolve = guard(policy, field.resolve ?? defaultFieldResolver);
      if (policy && type === subscriptionType && field.subscribe) field.subscribe = guard(policy, field.subscribe);
    }

    // @apollo/subgraph keeps an entity's __resolveReference in `extensions.apollo.subgraph.resolveReference`.
    if (typePolicy) guardReferenceResolver(type, typePolicy);
  }
  return schema;
}
