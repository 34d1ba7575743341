import { describe, expect, it } from '@jest/globals';
import { graphql } from 'graphql';
import { testSubgraphSdl } from '../testing/sdl.ts';
import type { Principal } from '../auth/principal.ts';
import { DomainError, ForbiddenError } from '../errors.ts';
import { buildEnforcedSubgraphSchema } from '../graphql/subgraph-server.ts';
import { ClinicalReadLog } from './clinical-reads.ts';
import { OperationLog } from './operations.ts';

const typeDefs = testSubgraphSdl(`

  type Query {
    patient(id: ID!): Patient @access(roles: [DOCTOR, PATIENT])
    ward: Ward @access
  }
  type Mutation {
    book(input: BookInput!): Visit! @access(roles: [PATIENT, RECEPTION])
    cancel(id: ID!): Visit! @access(roles: [PATIENT])
    touch: Boolean! @access
  }
  input BookInput { patientId: ID! }
  type Ward { patients: [Patient!]! @access(roles: [DOCTOR]) notes: NoteConnection! @access(roles: [DOCTOR]) }
  type NoteConnection { edges: [NoteEdge!]! }
  type NoteEdge { node: Note! }
  type Visit @key(fields: "id") { id: ID! patientId: ID! }
  type Patient @key(fields: "id") @access(roles: [DOCTOR, PATIENT]) @clinical(patientIdField: "id") {
    id: ID!
    notes: [Note!]!
  }
  type Note @key(fields: "id") @access(roles: [DOCTOR]) @clinical(patientIdField: "patientId") { id: ID! }
`);

const schema = buildEnforcedSubgraphSchema(typeDefs, {
  Query: {
    patient: (_: unknown, { id }: { id: string }) => {
      if (id === 'p2') throw new ForbiddenError('Not your patient.');
      return { id };
    },
    ward: () => ({}),
  },
  Ward: { patients: () => [{ id: 'p1' }], notes: () => ({ edges: [] }) },
  Patient: {
    notes: (patient: { id: string }) => {
      if (patient.id === 'p1') throw new ForbiddenError('Not your patient.');
      return [];
    },
  },
  Mutation: {
    book: (_: unknown, { input }: { input: { patientId: string } }) => ({ id: 'v1', patientId: input.patientId }),
    cancel: () => {
      throw new DomainError('INVALID_STATUS_TRANSITION', 'Already cancelled.');
    },
    touch: () => {
      throw new Error('database down');
    },
  },
});

const patient: Principal = { userId: '0192f000-0000-7000-8000-000000000001', roles: ['PATIENT'], patientId: 'p1' };
const doctor: Principal = { userId: '0192f000-0000-7000-8000-000000000002', roles: ['DOCTOR'] };
const billing: Principal = { userId: '0192f000-0000-7000-8000-000000000003', roles: ['BILLING'] };

async function run(source: string, principal: Principal | null) {
  const operations = new OperationLog();
  const clinicalReads = new ClinicalReadLog();
  await graphql({ schema, source, contextValue: { principal, operations, clinicalReads } });
  return { operations: operations.operations(), denied: clinicalReads.denied(), reads: clinicalReads.reads() };
}

describe('recording every mutation and every refused clinical read', () => {
  it('records a mutation that succeeded, with what it returned and whose it is', async () => {
    const { operations } = await run('mutation { book(input: { patientId: "p1" }) { id } }', patient);
    expect(operations).toEqual([
      {
        operationType: 'MUTATION',
        field: 'book',
        outcome: 'SUCCESS',
        errorCode: null,
        resourceType: 'Visit',
        resourceId: 'v1',
        patientId: 'p1',
      },
    ]);
  });

  it('records a mutation the access policy refused as DENIED, and one without a caller too', async () => {
    const byRole = await run('mutation { book(input: { patientId: "p1" }) { id } }', billing);
    expect(byRole.operations).toEqual([
      expect.objectContaining({ field: 'book', outcome: 'DENIED', errorCode: 'FORBIDDEN', patientId: 'p1' }),
    ]);
    const anonymous = await run('mutation { touch }', null);
    expect(anonymous.operations).toEqual([
      expect.objectContaining({ field: 'touch', outcome: 'DENIED', errorCode: 'UNAUTHENTICATED' }),
    ]);
  });

  it('records a mutation a rule refused, or that broke, as FAILED with its code, each field of a document in turn', async () => {
    const { operations } = await run('mutation { cancel(id: "v1") { id } touch }', patient);
    expect(operations).toEqual([
      expect.objectContaining({
        field: 'cancel',
        outcome: 'FAILED',
        errorCode: 'INVALID_STATUS_TRANSITION',
        resourceId: 'v1',
      }),
    ]);
    // Mutation fields run one after another, and a non-null field that fails ends the document: `touch` never ran.
    const broken = await run('mutation { touch }', patient);
    expect(broken.operations).toEqual([
      expect.objectContaining({ field: 'touch', outcome: 'FAILED', errorCode: 'INTERNAL_SERVER_ERROR' }),
    ]);
  });

  it('records a refused read of clinical data: whose, what and where, whether the policy or a service refused', async () => {
    const byService = await run('{ patient(id: "p2") { id } }', doctor);
    expect(byService.denied).toEqual([
      { resourceType: 'Patient', field: 'Query.patient', errorCode: 'FORBIDDEN', patientId: 'p2' },
    ]);
    expect(byService.reads).toEqual([]);

    const byPolicy = await run('{ patient(id: "p1") { id notes { id } } }', patient);
    expect(byPolicy.reads).toEqual([{ patientId: 'p1', resourceType: 'Patient', resourceIds: ['p1'] }]);
    expect(byPolicy.denied).toEqual([
      { resourceType: 'Note', field: 'Patient.notes', errorCode: 'FORBIDDEN', patientId: 'p1' },
    ]);

    const nested = await run('{ ward { patients { id } } }', billing);
    expect(nested.denied).toEqual([
      { resourceType: 'Patient', field: 'Ward.patients', errorCode: 'FORBIDDEN', patientId: null },
    ]);
    const connection = await run('{ ward { notes { edges { node { id } } } } }', billing);
    expect(connection.denied).toEqual([
      { resourceType: 'Note', field: 'Ward.notes', errorCode: 'FORBIDDEN', patientId: null },
    ]);
  });

  it('records nothing for a read that is not clinical and a request that changed nothing', async () => {
    const { operations, denied } = await run('{ ward { __typename } }', doctor);
    expect(operations).toEqual([]);
    expect(denied).toEqual([]);
  });
});
