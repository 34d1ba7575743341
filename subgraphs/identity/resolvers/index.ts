/** Resolvers of the identity subgraph: parse the input, call the service, shape the result. */
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  changePasswordInput,
  createStaffUserInput,
  opaqueTokenSchema,
  requestPasswordResetInput,
  resetPasswordInput,
  signInInput,
  signUpInput,
  userSearchInput,
} from '../user.inputs.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    me: (_root, _args, { users }) => users.me(),
    users: (_root, args, { accounts }) =>
      accounts.users(parseInput(userSearchInput, args.search, 'search'), {
        first: args.first ?? null,
        after: args.after ?? null,
      }),
    user: (_root, args, { accounts }) => accounts.user(parseInput(idSchema, args.id, 'id')),
  },
  Mutation: {
    signUp: (_root, args, { users }) => users.signUp(parseInput(signUpInput, args.input)),
    signIn: (_root, args, { users }) => users.signIn(parseInput(signInInput, args.input)),
    refreshToken: (_root, args, { users }) => users.refresh(parseInput(opaqueTokenSchema, args.token, 'token')),
    signOut: (_root, _args, { users }) => users.signOut(),
    requestPasswordReset: (_root, args, { users }) =>
      users.requestPasswordReset(parseInput(requestPasswordResetInput, args.email, 'email')),
    resetPassword: (_root, args, { users }) => {
      const input = parseInput(resetPasswordInput, args.input);
      return users.resetPassword(input.token, input.newPassword);
    },
    changePassword: (_root, args, { users }) => {
      const input = parseInput(changePasswordInput, args.input);
      return users.changePassword(input.currentPassword, input.newPassword);
    },
    createStaffUser: (_root, args, { accounts }) =>
      accounts.createStaffUser(parseInput(createStaffUserInput, args.input)),
    disableUser: (_root, args, { accounts }) => accounts.disable(parseInput(idSchema, args.id, 'id')),
    enableUser: (_root, args, { accounts }) => accounts.enable(parseInput(idSchema, args.id, 'id')),
    linkDoctor: (_root, args, { accounts }) =>
      accounts.linkDoctor(parseInput(idSchema, args.userId, 'userId'), parseInput(idSchema, args.doctorId, 'doctorId')),
    rotateSigningKey: (_root, _args, { accounts }) => accounts.rotateSigningKey(),
  },
  User: {
    active: (user) => user.disabledAt === null,
  },
};
