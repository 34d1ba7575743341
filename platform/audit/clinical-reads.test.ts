import { describe, expect, it } from '@jest/globals';
import { graphql } from 'graphql';
import { testSubgraphSdl } from '../testing/sdl.ts';
import { buildEnforcedSubgraphSchema } from '../graphql/subgraph-server.ts';
import type { Principal } from '../auth/principal.ts';
import { ApolloServer } from '@apollo/server';
import { createLogger } from '../logger.ts';
import { ClinicalReadLog, auditPlugin, clinicalTypes, type AccessEventTransaction } from './clinical-reads.ts';

const typeDefs = testSubgraphSdl(`

  type Query {
    note(id: ID!): Note @access(roles: [DOCTOR])
    notes: [Note!]! @access(roles: [DOCTOR])
    brokenNote: Note @access(roles: [DOCTOR])
    ward: Ward @access
  }
  type Ward {
    name: String!
    notes: [Note!]! @access(roles: [DOCTOR])
  }
  type Note @key(fields: "id") @access(roles: [DOCTOR]) @clinical(patientIdField: "patientId") {
    id: ID!
    text: String!
    secret: String @access(roles: [ADMIN])
  }
`);

const NOTES = [
  { id: 'n1', patientId: 'p1', text: 'a' },
  { id: 'n2', patientId: 'p1', text: 'b' },
  { id: 'n3', patientId: 'p2', text: 'c' },
];

const schema = buildEnforcedSubgraphSchema(typeDefs, {
  Query: {
    note: (_: unknown, { id }: { id: string }) => NOTES.find((note) => note.id === id) ?? null,
    notes: () => NOTES,
    brokenNote: () => ({ id: 'n9', text: 'no patient' }),
    ward: () => ({ name: 'A' }),
  },
  Ward: { notes: () => NOTES.slice(0, 2) },
  Note: {
    __resolveReference: (reference: { id: string }) => NOTES.find((note) => note.id === reference.id),
    secret: () => 'secret',
  },
});

const doctor: Principal = { userId: '0192f000-0000-7000-8000-000000000003', roles: ['DOCTOR'] };
const reception: Principal = { userId: '0192f000-0000-7000-8000-000000000004', roles: ['RECEPTION'] };

async function run(source: string, principal: Principal | null = doctor) {
  const clinicalReads = new ClinicalReadLog();
  const result = await graphql({ schema, source, contextValue: { principal, clinicalReads } });
  const codes = result.errors?.map((error) => (error.originalError as { code?: string } | undefined)?.code);
  return { result, codes, reads: clinicalReads.reads() };
}

describe('recording clinical reads', () => {
  it('finds the @clinical types and the property holding their patient', () => {
    expect([...clinicalTypes(schema)].map(([type, field]) => [type.name, field])).toEqual([['Note', 'patientId']]);
  });

  it('notes an object read through a root field, once however many of its fields are read', async () => {
    const { result, reads } = await run('{ note(id: "n1") { id text again: text } }');
    expect(result.errors).toBeUndefined();
    expect(reads).toEqual([{ patientId: 'p1', resourceType: 'Note', resourceIds: ['n1'] }]);
  });

  it('groups a list by patient, one read per patient with every object read', async () => {
    const { reads } = await run('{ notes { text } }');
    expect(reads).toEqual([
      { patientId: 'p1', resourceType: 'Note', resourceIds: ['n1', 'n2'] },
      { patientId: 'p2', resourceType: 'Note', resourceIds: ['n3'] },
    ]);
  });

  it('notes objects reached through a nested field of a type that is not clinical', async () => {
    const { reads } = await run('{ ward { name notes { id } } }');
    expect(reads).toEqual([{ patientId: 'p1', resourceType: 'Note', resourceIds: ['n1', 'n2'] }]);
  });

  it('notes objects resolved through _entities, as the gateway fetches them', async () => {
    const { result, reads } = await run(
      '{ _entities(representations: [{ __typename: "Note", id: "n3" }]) { ... on Note { text } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(reads).toEqual([{ patientId: 'p2', resourceType: 'Note', resourceIds: ['n3'] }]);
  });

  it('notes nothing when the policy refuses the read, by the root field or by the entity type', async () => {
    const root = await run('{ note(id: "n1") { text } }', reception);
    expect(root.codes).toEqual(['FORBIDDEN']);
    expect(root.reads).toEqual([]);
    const entities = await run(
      '{ _entities(representations: [{ __typename: "Note", id: "n1" }]) { ... on Note { text } } }',
      reception,
    );
    expect(entities.codes).toEqual(['FORBIDDEN']);
    expect(entities.reads).toEqual([]);
  });

  it('does not count a field the policy refused, but still the fields that were read', async () => {
    const { codes, reads } = await run('{ note(id: "n2") { secret } }');
    expect(codes).toEqual(['FORBIDDEN']);
    expect(reads).toEqual([]);
    const both = await run('{ note(id: "n2") { text secret } }');
    expect(both.reads).toEqual([{ patientId: 'p1', resourceType: 'Note', resourceIds: ['n2'] }]);
  });

  it('fails the field rather than return an object whose patient it cannot name', async () => {
    const { result, reads } = await run('{ brokenNote { text } }');
    expect(result.data).toEqual({ brokenNote: null });
    expect(result.errors?.[0]?.message).toMatch(/has no patientId/);
    expect(reads).toEqual([]);
  });

  it('reads nothing clinical when only non-clinical fields are asked for', async () => {
    const { reads } = await run('{ ward { name } }');
    expect(reads).toEqual([]);
  });
});

describe('writing the reads before the response', () => {
  async function answer(transaction: AccessEventTransaction, query: string) {
    const server = new ApolloServer({
      schema,
      plugins: [auditPlugin({ subgraph: 'test', transaction })],
    });
    await server.start();
    try {
      const response = await server.executeOperation(
        { query },
        {
          contextValue: {
            principal: doctor,
            correlationId: 'c-1',
            requestId: 'r-1',
            idempotencyKey: null,
            logger: createLogger({ name: 'test', level: 'silent' }),
            clinicalReads: new ClinicalReadLog(),
          },
        },
      );
      return response.body.kind === 'single' ? response.body.singleResult : undefined;
    } finally {
      await server.stop();
    }
  }

  it('withholds the data when the reads cannot be recorded', async () => {
    const result = await answer(async () => {
      throw new Error('the database is down');
    }, '{ note(id: "n1") { text } }');
    expect(result?.data).toBeNull();
    expect(result?.errors?.map((error) => error.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(result)).not.toContain('"a"');
  });

  it('opens no transaction for a request that read nothing clinical', async () => {
    let transactions = 0;
    const result = await answer(async () => {
      transactions++;
    }, '{ ward { name } }');
    expect(result?.data).toEqual({ ward: { name: 'A' } });
    expect(transactions).toBe(0);
  });
});
