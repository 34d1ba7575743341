import { describe, expect, it } from '@jest/globals';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import { enforceAccessPolicy, rootFieldPolicies } from './access-policy.ts';
import type { Principal } from './principal.ts';

const typeDefs = parse(`
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@composeDirective"])
    @link(url: "https://hms.dev/access/v1.0", import: ["@access"])
    @composeDirective(name: "@access")
  directive @access(roles: [Role!], public: Boolean) on FIELD_DEFINITION | OBJECT
  enum Role { ADMIN RECEPTION DOCTOR BILLING PATIENT }

  type Query {
    open: String @access(public: true)
    signedIn: String @access
    adminOnly: String @access(roles: [ADMIN])
    forgotten: String
    record: Record @access
  }
  type Record @key(fields: "id") @access(roles: [RECEPTION]) {
    id: ID!
    secret: String
  }
`);

function schema(): GraphQLSchema {
  return enforceAccessPolicy(
    buildSubgraphSchema({
      typeDefs,
      resolvers: {
        Query: {
          open: () => 'open',
          signedIn: () => 'signed in',
          adminOnly: () => 'admin',
          forgotten: () => 'should never be returned',
          record: () => ({ id: '1', secret: 's' }),
        },
        Record: { __resolveReference: (reference: { id: string }) => ({ ...reference, secret: 's' }) },
      } as never,
    }),
  );
}

const reception: Principal = { userId: '0192f000-0000-7000-8000-000000000001', roles: ['RECEPTION'] };
const admin: Principal = { userId: '0192f000-0000-7000-8000-000000000002', roles: ['ADMIN'] };

async function run(query: string, principal: Principal | null) {
  const result = await graphql({ schema: schema(), source: query, contextValue: { principal } });
  return {
    data: result.data,
    codes: result.errors?.map((error) => error.extensions.code ?? (error.originalError as { code?: string })?.code),
  };
}

describe('the @access policy', () => {
  it('lets anyone use a public field', async () => {
    expect((await run('{ open }', null)).data).toEqual({ open: 'open' });
  });

  it('asks an anonymous caller to sign in', async () => {
    expect((await run('{ signedIn }', null)).codes).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a caller without the role', async () => {
    expect((await run('{ adminOnly }', reception)).codes).toEqual(['FORBIDDEN']);
    expect((await run('{ adminOnly }', admin)).data).toEqual({ adminOnly: 'admin' });
  });

  it('refuses a root field that has no policy, whoever asks (default deny)', async () => {
    const result = await run('{ forgotten }', admin);
    expect(result.codes).toEqual(['FORBIDDEN']);
    expect(result.data).toEqual({ forgotten: null });
  });

  it("applies an object type's policy to its fields", async () => {
    expect((await run('{ record { secret } }', admin)).codes).toEqual(['FORBIDDEN']);
    expect((await run('{ record { secret } }', reception)).data).toEqual({ record: { secret: 's' } });
  });

  it("applies an entity type's policy to _entities lookups", async () => {
    const query = '{ _entities(representations: [{ __typename: "Record", id: "1" }]) { ... on Record { id } } }';
    expect((await run(query, admin)).codes).toContain('FORBIDDEN');
    expect((await run(query, reception)).data).toEqual({ _entities: [{ id: '1' }] });
  });

  it('lists root fields with their policies, showing those without one', () => {
    const policies = rootFieldPolicies(schema());
    expect(policies.get('Query.adminOnly')).toEqual({ public: false, roles: ['ADMIN'] });
    expect(policies.has('Query.forgotten')).toBe(true);
    expect(policies.get('Query.forgotten')).toBeUndefined();
    expect(policies.has('Query._entities')).toBe(false);
  });
});
