import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { rootFieldPolicies } from '../platform/auth/access-policy.ts';
import { buildEnforcedSubgraphSchema } from '../platform/graphql/subgraph-server.ts';
import { composeSupergraph } from '../scripts/supergraph.ts';
import { readSdl, SUBGRAPHS, SUPERGRAPH_PATH } from './catalog.ts';

describe('the supergraph', () => {
  it('composes without errors and matches the committed schema/supergraph.graphql', () => {
    const composed = composeSupergraph();
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composed);
  });

  it('carries the @access directive of every subgraph', () => {
    const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    expect(supergraph).toMatch(/directive @access\(roles: \[Role!\], public: Boolean\)/);
    expect(supergraph).toMatch(
      /registerPatient\(input: RegisterPatientInput!\): Patient! .*@access\(roles: \[ADMIN, RECEPTION\]\)/,
    );
  });

  it('marks the clinical types, whose every read is recorded (patient profile, prescriptions, record entries)', () => {
    const supergraph = parse(readFileSync(SUPERGRAPH_PATH, 'utf8'));
    const clinical = supergraph.definitions
      .filter(
        (definition): definition is ObjectTypeDefinitionNode =>
          definition.kind === Kind.OBJECT_TYPE_DEFINITION &&
          (definition.directives ?? []).some((directive) => directive.name.value === 'clinical'),
      )
      .map((definition) => definition.name.value)
      .sort();
    expect(clinical).toEqual(['MedicalRecordEntry', 'Patient', 'Prescription']);
  });

  it('shows who may use every root field of the composed graph', () => {
    const supergraph = parse(readFileSync(SUPERGRAPH_PATH, 'utf8'));
    const roots = supergraph.definitions.filter(
      (definition): definition is ObjectTypeDefinitionNode =>
        definition.kind === Kind.OBJECT_TYPE_DEFINITION &&
        ['Query', 'Mutation', 'Subscription'].includes(definition.name.value),
    );
    const fields = roots.flatMap((root) =>
      (root.fields ?? []).map((field) => ({ name: `${root.name.value}.${field.name.value}`, field })),
    );
    expect(fields.length).toBeGreaterThan(20);
    const withoutPolicy = fields.filter(
      ({ field }) => !field.directives?.some((directive) => directive.name.value === 'access'),
    );
    expect(withoutPolicy.map(({ name }) => name)).toEqual([]);
  });

  it.each(SUBGRAPHS.map((entry) => [entry.name]))('gives every root field of %s an access policy', (name) => {
    const schema = buildEnforcedSubgraphSchema(parse(readSdl(name)), {});
    const withoutPolicy = [...rootFieldPolicies(schema)].filter(([, policy]) => !policy).map(([field]) => field);
    expect(withoutPolicy).toEqual([]);
  });
});
