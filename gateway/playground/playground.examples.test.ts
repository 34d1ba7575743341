import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { ROLES } from '../../platform/auth/principal.ts';
import { API_SCHEMA_PATH } from '../api-schema.ts';
import { PLAYGROUND_EXAMPLES, PLAYGROUND_ROLES } from './playground.examples.ts';

const clientSchema = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));

describe('the playground examples', () => {
  it.each(PLAYGROUND_EXAMPLES.map((example) => [`${example.role}: ${example.title}`, example] as const))(
    '%s is one named operation, valid against the client schema',
    (_label, example) => {
      const document = parse(example.document);
      expect(validate(clientSchema, document).map((error) => error.message)).toEqual([]);
      const operations = document.definitions.filter(
        (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
      );
      expect(operations).toHaveLength(1);
      expect(operations[0]!.name?.value).toMatch(/^[A-Z][A-Za-z]+$/);
      // Every variable may be left out: an example runs with one click.
      expect(
        operations[0]!.variableDefinitions?.filter((variable) => variable.type.kind === Kind.NON_NULL_TYPE),
      ).toEqual([]);
    },
  );

  it('give every role of SPEC §2 at least one query', () => {
    const rolesWithQueries = new Set(
      PLAYGROUND_EXAMPLES.filter((example) => /^query /m.test(example.document)).map((example) => example.role),
    );
    expect(PLAYGROUND_ROLES.filter((role) => !rolesWithQueries.has(role))).toEqual([]);
    expect([...PLAYGROUND_ROLES].sort()).toEqual([...ROLES].sort());
  });

  it('hold every subscription of the client schema', () => {
    const subscriptions = Object.keys(clientSchema.getSubscriptionType()!.getFields()).sort();
    const used = new Set(
      PLAYGROUND_EXAMPLES.flatMap((example) =>
        parse(example.document).definitions.flatMap((definition) =>
          definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'subscription'
            ? definition.selectionSet.selections.flatMap((selection) =>
                selection.kind === Kind.FIELD ? [selection.name.value] : [],
              )
            : [],
        ),
      ),
    );
    expect([...used].sort()).toEqual(subscriptions);
  });

  it('have unique operation names, so that each opens as a tab of its own', () => {
    const names = PLAYGROUND_EXAMPLES.map(
      (example) => /^(?:query|subscription|mutation) (\w+)/m.exec(example.document)?.[1],
    );
    expect(new Set(names).size).toBe(PLAYGROUND_EXAMPLES.length);
  });
});
