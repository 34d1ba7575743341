import { describe, expect, it } from '@jest/globals';
import {
  buildSchema,
  execute,
  getOperationAST,
  Kind,
  parse,
  print,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import {
  buildLookupQuery,
  entitySelections,
  lookUpEntity,
  responseKeyResolver,
  rootEntitySelections,
  type LookupExecutor,
  type OperationParts,
} from './entity-lookup.ts';

/** The parts of a subscription operation the lookup uses, as graphql-js would hand them to a resolver. */
function operationOf(source: string, variableValues: Record<string, unknown> = {}): OperationParts {
  const document = parse(source);
  const fragments = Object.fromEntries(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return { operation: getOperationAST(document)!, fragments, variableValues };
}

const rootFields = (operation: OperationDefinitionNode) =>
  operation.selectionSet.selections.filter((selection) => selection.kind === Kind.FIELD);

describe('entity lookups of subscription payloads', () => {
  it('asks for exactly the selection the subscriber wrote, aliases, fragments and variables included', () => {
    const parts = operationOf(
      `subscription Watch($n: Int, $unused: Boolean, $withDoctor: Boolean!) {
        appointmentUpdated {
          type
          a: appointment { status bills(first: $n) { totalCount } ...Who }
          ... on AppointmentUpdate { appointment { id } }
        }
      }
      fragment Who on Appointment { doctor @include(if: $withDoctor) { ...Name } }
      fragment Name on Doctor { displayName }
      fragment Unrelated on Doctor { id }`,
      { n: 3, unused: true, withDoctor: false },
    );
    const selections = entitySelections(
      rootFields(parts.operation).map((field) => field.selectionSet),
      'appointment',
      parts.fragments,
    );
    expect(selections.map((selection) => selection.responseKey)).toEqual(['a', 'appointment']);

    const query = buildLookupQuery('appointment', 'appointment-42', selections, parts);
    expect(print(query.document)).toBe(
      print(
        parse(`query SubscriptionEntity($hmsEntityId: ID!, $n: Int, $withDoctor: Boolean!) {
          a: appointment(id: $hmsEntityId) { __typename status bills(first: $n) { __typename totalCount } ...Who }
          appointment(id: $hmsEntityId) { __typename id }
        }
        fragment Who on Appointment { __typename doctor @include(if: $withDoctor) { __typename ...Name } }
        fragment Name on Doctor { __typename displayName }`),
      ),
    );
    expect(query.variables).toEqual({ hmsEntityId: 'appointment-42', n: 3, withDoctor: false });
  });

  it('picks an id variable name the subscription does not use', () => {
    const parts = operationOf('subscription($hmsEntityId: ID) { notificationAdded { id message } }');
    const query = buildLookupQuery('notification', 'n-1', rootEntitySelections(rootFields(parts.operation)), parts);
    expect(print(query.document)).toContain('notificationAdded: notification(id: $_hmsEntityId)');
    expect(query.variables).toEqual({ _hmsEntityId: 'n-1' });
  });

  it('skips the event when the subscriber may not read the entity, and keeps the errors of fields inside it', async () => {
    const parts = operationOf('subscription { paymentReceived { payment { id bill { total { amount } } } } }');
    const selections = entitySelections(
      rootFields(parts.operation).map((field) => field.selectionSet),
      'payment',
      parts.fragments,
    );
    const forbidden: LookupExecutor = async () => ({
      data: { payment: null },
      errors: [{ message: 'You are not allowed to do this.', path: ['payment'], extensions: { code: 'FORBIDDEN' } }],
    });
    await expect(lookUpEntity(forbidden, 'payment', 'p-1', selections, parts)).resolves.toEqual({
      values: null,
      errors: [],
    });

    const partial: LookupExecutor = async () => ({
      data: { payment: { __typename: 'Payment', id: 'p-1', bill: null } },
      errors: [{ message: 'no', path: ['payment', 'bill'], extensions: { code: 'FORBIDDEN' } }],
    });
    const read = await lookUpEntity(partial, 'payment', 'p-1', selections, parts);
    expect(read.values).toEqual({ payment: { __typename: 'Payment', id: 'p-1', bill: null } });
    expect(read.errors).toEqual([{ message: 'no', path: ['payment', 'bill'], extensions: { code: 'FORBIDDEN' } }]);
  });

  it('still checks that the subscriber may read the entity when they selected nothing of it', async () => {
    const parts = operationOf('subscription { appointmentUpdated { eventId type } }');
    const queries: string[] = [];
    const executor: LookupExecutor = async (query) => {
      queries.push(print(query.document));
      return { data: { hmsEntityProbe: null } };
    };
    const read = await lookUpEntity(executor, 'appointment', 'a-1', [], parts);
    expect(read.values).toBeNull();
    expect(queries[0]).toContain('hmsEntityProbe: appointment(id: $hmsEntityId)');
  });

  it('reads looked-up objects by response key and everything else by field name', async () => {
    const schema = buildSchema(`
      type Query { update: Update }
      type Update { type: String, appointment: Appointment }
      type Appointment { status: String, doctor: Doctor }
      type Doctor { displayName: String }
    `);
    const parts = operationOf('subscription { x { a: appointment { s: status status doctor { n: displayName } } } }');
    const remote: LookupExecutor = async () => ({
      data: { a: { __typename: 'Appointment', s: 'PENDING', status: 'PENDING', doctor: { n: 'Dr Hopper' } } },
    });
    const selections = entitySelections(
      rootFields(parts.operation).map((field) => field.selectionSet),
      'appointment',
      parts.fragments,
    );
    const looked = await lookUpEntity(remote, 'appointment', 'a-1', selections, parts);
    const result = await execute({
      schema,
      document: parse('{ update { t: type type a: appointment { s: status status doctor { n: displayName } } } }'),
      rootValue: { update: { type: 'BOOKED', a: looked.values!.a } },
      fieldResolver: (source, args, context, info) =>
        info.fieldName === 'appointment'
          ? (source as Record<string, unknown>)[String(info.path.key)]
          : responseKeyResolver(source, args, context, info),
    });
    expect(result).toEqual({
      data: {
        update: {
          t: 'BOOKED',
          type: 'BOOKED',
          a: { s: 'PENDING', status: 'PENDING', doctor: { n: 'Dr Hopper' } },
        },
      },
    });
  });
});
