/** Resolvers of the identity subgraph: parse the input, call the service, shape the result. */
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { signInInput, signUpInput } from '../user.inputs.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    me: (_root, _args, { users }) => users.me(),
  },
  Mutation: {
    signUp: (_root, args, { users }) => users.signUp(parseInput(signUpInput, args.input)),
    signIn: (_root, args, { users }) => users.signIn(parseInput(signInInput, args.input)),
  },
};
