/**
 * Query safety at the gateway: every document is measured before anything runs, and one that is too deep, too
 * wide, too long or too costly is refused with its own code. Nothing reaches a subgraph: the limits run while the
 * document is parsed and validated and, for the cost, once the operation is known and before it executes.
 *
 * | Limit                   | Code                     | Default | Counted by                                         |
 * | ----------------------- | ------------------------ | ------- | -------------------------------------------------- |
 * | tokens per document     | `QUERY_TOO_LARGE`        | 5,000   | graphql-js's lexer, before parsing                 |
 * | depth of selections     | `QUERY_TOO_DEEP`         | 15      | graphql-armor (fragments flattened)                |
 * | aliases per operation   | `TOO_MANY_ALIASES`       | 30      | graphql-armor                                      |
 * | directives per document | `TOO_MANY_DIRECTIVES`    | 50      | graphql-armor                                      |
 * | cost (objects returned) | `QUERY_TOO_COMPLEX`      | 100,000 | graphql-query-complexity with `listAwareCost`      |
 *
 * The cost is the most objects a response could hold: each object field counts 1, times the page size of the
 * connections around it (`first`, else the default page of 20, as every connection of SPEC §1 defaults to) and
 * times `DEFAULT_LIST_SIZE` for a plain list. A page of 100 patients with their appointments, doctors, bills and
 * payments costs about 50,000; the same page nested three connections deep costs millions.
 *
 * Libraries, not our own walk: graphql-armor (Escape) is the maintained set of these limits for Apollo Server;
 * its cost limit ignores list sizes, so the cost comes from graphql-query-complexity, which takes the request's
 * variables into account. Tokens are counted with graphql-js's own lexer before the body reaches Apollo Server, so
 * that a document of 10,000 operations is never parsed.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  Lexer,
  Source,
  TokenKind,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DomainError } from '../platform/errors.ts';

/** Codes of refused documents (`extensions.code`), with HTTP status 400. */
export const QuerySafetyCode = {
  QUERY_TOO_LARGE: 'QUERY_TOO_LARGE',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  TOO_MANY_DIRECTIVES: 'TOO_MANY_DIRECTIVES',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
} as const;

export interface QueryLimits {
  /** Lexical tokens in one document (a document of 10,000 operations has at least 40,000). */
  maxTokens: number;
  /** Nesting of selections, fragments flattened, `__typename` and introspection not counted. */
  maxDepth: number;
  /** Aliased fields in one document. */
  maxAliases: number;
  /** Directives in one document. */
  maxDirectives: number;
  /** Objects a response could hold (see `listAwareCost`). */
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxTokens: 5_000,
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 50,
  maxCost: 100_000,
};

/** Page size assumed for a connection whose `first` is not given: the default of every connection (SPEC §1). */
export const DEFAULT_PAGE_SIZE = 20;
/** Length assumed for a plain list field (line items, a bill's payments). */
export const DEFAULT_LIST_SIZE = 10;

/** A refused document; the gateway's error formatter turns it into `{ message, extensions: { code } }`. */
export class QueryRefusedError extends DomainError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'QueryRefusedError';
  }
}

/** A GraphQL error with HTTP status 400 that the error formatter shows with `code`. */
function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, {
    originalError: new QueryRefusedError(code, message),
    extensions: { code, http: { status: 400 } },
  });
}

/**
 * Cost of one field: 0 for a leaf, else 1 plus its selections, times how many of it a response may hold. A
 * connection (`…Connection`) multiplies by its page (`first`); its `edges` and `nodes` lists are that page, so they
 * do not multiply again; any other list multiplies by `DEFAULT_LIST_SIZE`.
 */
export const listAwareCost: ComplexityEstimator = ({ field, type, args, childComplexity }) => {
  const fieldType = getNullableType(field.type);
  const named = getNamedType(field.type);
  if (!isObjectType(named) && childComplexity === 0 && !('getTypes' in named)) return 0;
  if (named.name.endsWith('Connection')) {
    const first = typeof args.first === 'number' && args.first > 0 ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + first * childComplexity;
  }
  const inConnection = type.name.endsWith('Connection') && (field.name === 'edges' || field.name === 'nodes');
  const size = isListType(fieldType) && !inConnection ? DEFAULT_LIST_SIZE : 1;
  return size * (1 + childComplexity);
};

/** The most objects `document`'s operation could return, or undefined when its variables do not coerce. */
export function costOf(
  schema: GraphQLSchema,
  document: Parameters<typeof getComplexity>[0]['query'],
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): number | undefined {
  try {
    return getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      ...(operationName ? { operationName } : {}),
      estimators: [listAwareCost],
    });
  } catch {
    // Variables that do not coerce fail the request before any field executes; that error is the client's answer.
    return undefined;
  }
}

export interface QuerySafety {
  /** Express middleware in front of Apollo Server: the token limit, before the document is parsed. */
  tokenLimit: RequestHandler;
  /** Apollo Server plugins: the cost, once the operation is known and before it executes. */
  plugins: ApolloServerPlugin[];
  /** Validation rules: depth, aliases, directives (also applied to subscriptions over WebSocket). */
  validationRules: ValidationRule[];
  /** The cost check for operations that do not go through Apollo Server (subscriptions). */
  checkCost(
    schema: GraphQLSchema,
    document: Parameters<typeof costOf>[1],
    variables?: Record<string, unknown>,
    operationName?: string,
  ): GraphQLError | undefined;
  /** The token check, for the same. */
  checkTokens(source: string): GraphQLError | undefined;
}

/** The gateway's limits as Apollo Server options, each refusal with its own code. */
export function createQuerySafety(limits: QueryLimits): QuerySafety {
  const report =
    (code: string) =>
    (context: { reportError(error: GraphQLError): void } | null, error: GraphQLError): void => {
      context?.reportError(refusal(code, error.message));
    };
  const armor = new ApolloArmor({
    // Field suggestions are Apollo Server's `hideSchemaDetailsFromClientErrors`, set where introspection is off.
    blockFieldSuggestion: { enabled: false },
    // The cost is counted with the variables (below); armor's cost limit cannot see list sizes.
    costLimit: { enabled: false },
    // Counted before parsing (`tokenLimit`), with a code of its own.
    maxTokens: { enabled: false },
    maxDepth: {
      n: limits.maxDepth,
      flattenFragments: true,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [report(QuerySafetyCode.QUERY_TOO_DEEP)],
    },
    maxAliases: {
      n: limits.maxAliases,
      // Aliased `__typename` counts too: 1,000 of them are as much work to answer as any other alias.
      allowList: [],
      propagateOnRejection: false,
      onReject: [report(QuerySafetyCode.TOO_MANY_ALIASES)],
    },
    maxDirectives: {
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [report(QuerySafetyCode.TOO_MANY_DIRECTIVES)],
    },
  });
  const { validationRules } = armor.protect();

  const checkTokens = (source: string): GraphQLError | undefined => {
    const count = countTokens(source, limits.maxTokens);
    return count > limits.maxTokens
      ? refusal(
          QuerySafetyCode.QUERY_TOO_LARGE,
          `The document has more than ${limits.maxTokens} tokens; split it into smaller requests.`,
        )
      : undefined;
  };
  const checkCost: QuerySafety['checkCost'] = (schema, document, variables, operationName) => {
    const cost = costOf(schema, document, variables, operationName);
    return cost !== undefined && cost > limits.maxCost
      ? refusal(
          QuerySafetyCode.QUERY_TOO_COMPLEX,
          `The operation could return about ${cost} objects, more than the limit of ${limits.maxCost}; ask for ` +
            'smaller pages or fewer nested lists.',
        )
      : undefined;
  };

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, schema, operationName }) {
          const refused = checkCost(schema, document, request.variables, operationName ?? undefined);
          if (refused) throw refused;
        },
      };
    },
  };
  const tokenLimit: RequestHandler = (req, res, next) => {
    const query = (req.body as { query?: unknown } | undefined)?.query ?? req.query.query;
    const refused = typeof query === 'string' ? checkTokens(query) : undefined;
    if (!refused) return next();
    res.status(400).json({ errors: [{ message: refused.message, extensions: { code: refused.extensions.code } }] });
  };
  return {
    tokenLimit,
    plugins: [plugin],
    validationRules: validationRules as ValidationRule[],
    checkCost,
    checkTokens,
  };
}

/**
 * Lexical tokens of `source`, counting stops once past `limit` (a hostile document is not read to its end).
 * Uses graphql-js's own lexer, so the count is what the parser would see.
 */
export function countTokens(source: string, limit: number): number {
  let count = 0;
  try {
    const lexer = new Lexer(new Source(source));
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      count++;
      if (count > limit) break;
    }
  } catch {
    // A syntax error: the parser reports it with its position.
  }
  return count;
}
