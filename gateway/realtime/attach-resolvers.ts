/**
 * Puts a resolver map (typed by codegen) on a schema built from SDL, in place: `resolve` and `subscribe` of each
 * field it names. The gateway's client schema is built fresh for this at every load, so nothing else shares it.
 */
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

type FieldResolvers = Record<
  string,
  | GraphQLFieldResolver<unknown, unknown>
  | { resolve?: GraphQLFieldResolver<unknown, unknown>; subscribe?: GraphQLFieldResolver<unknown, unknown> }
>;

/**
 * @throws Error when the map names a type or field the schema does not have (a resolver nobody would call).
 */
export function attachResolvers(schema: GraphQLSchema, resolvers: object): GraphQLSchema {
  for (const [typeName, fields] of Object.entries(resolvers as Record<string, FieldResolvers>)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`resolvers name ${typeName}, which is not an object type of the schema`);
    const schemaFields = type.getFields();
    for (const [fieldName, resolver] of Object.entries(fields)) {
      const field = schemaFields[fieldName];
      if (!field) throw new Error(`resolvers name ${typeName}.${fieldName}, which the schema does not have`);
      if (typeof resolver === 'function') {
        field.resolve = resolver;
      } else {
        if (resolver.resolve) field.resolve = resolver.resolve;
        if (resolver.subscribe) field.subscribe = resolver.subscribe;
      }
    }
  }
  return schema;
}
