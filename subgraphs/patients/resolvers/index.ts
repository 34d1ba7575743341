/** Resolvers of the patients subgraph: parse the input, call the service, shape the result. */
import { z } from 'zod';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { identifierLookupSchema, idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { registerPatientInput, updatePatientInput } from '../patient.inputs.ts';

const searchSchema = z.string().trim().max(200, 'must be at most 200 characters').nullish();

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    patient: (_root, args, { patients }) => patients.get(parseInput(idSchema, args.id, 'id')),
    patients: (_root, args, { patients }) =>
      patients.search(
        { search: parseInput(searchSchema, args.search, 'search'), includeArchived: args.includeArchived ?? false },
        { first: args.first ?? null, after: args.after ?? null },
      ),
    patientsByIdentifier: (_root, args, { patients }) => {
      const lookup = parseInput(identifierLookupSchema, args, '');
      return patients.byIdentifiers(lookup.system, lookup.values);
    },
  },
  Mutation: {
    registerPatient: (_root, args, { patients }) => patients.register(parseInput(registerPatientInput, args.input)),
    updatePatient: (_root, args, { patients }) =>
      patients.update(parseInput(idSchema, args.id, 'id'), parseInput(updatePatientInput, args.input)),
    deletePatient: (_root, args, { patients }) => patients.archive(parseInput(idSchema, args.id, 'id')),
  },
  Patient: {
    __resolveReference: async (reference, { patients, loaders }) => {
      await patients.authorizeRead(reference.id);
      return loaders.patientById.load(reference.id);
    },
    identifiers: (patient, _args, { loaders }) => loaders.identifiersByPatient.load(patient.id),
    active: (patient) => patient.archivedAt === null,
  },
};
