import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
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

  it.each(SUBGRAPHS.map((entry) => [entry.name]))('gives every root field of %s an access policy', (name) => {
    const schema = buildEnforcedSubgraphSchema(parse(readSdl(name)), {});
    const withoutPolicy = [...rootFieldPolicies(schema)].filter(([, policy]) => !policy).map(([field]) => field);
    expect(withoutPolicy).toEqual([]);
  });
});
