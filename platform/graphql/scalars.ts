/**
 * Scalars of SPEC §9, from graphql-scalars (maintained by The Guild) rather than hand-written parsers:
 * `DateTime` (ISO 8601 with offset; a JS `Date` inside), `Date` (`YYYY-MM-DD`, a calendar date kept as a
 * string: no time zone can shift it), `JSON`.
 */
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver, LocalDateResolver } from 'graphql-scalars';

export const DateScalar = new GraphQLScalarType({
  ...LocalDateResolver.toConfig(),
  name: 'Date',
  description: 'A calendar date, `YYYY-MM-DD` (ISO 8601), with no time zone.',
});

/** Resolver map entries for the scalars a subgraph's SDL declares. */
export const scalarResolvers = {
  DateTime: DateTimeResolver,
  Date: DateScalar,
  JSON: JSONResolver,
};
