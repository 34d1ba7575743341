/** Resolvers of the audit subgraph: parse the input, call the service, shape the result. */
import { SafeIntResolver } from 'graphql-scalars';
import { pageArgs } from '../../../platform/graphql/pagination.ts';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { auditEventFilterInput } from '../audit.inputs.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  SafeInt: SafeIntResolver,
  Query: {
    auditEvents: (_root, args, { audit }) =>
      audit.events(parseInput(auditEventFilterInput, args.filter ?? {}, 'filter'), pageArgs(args)),
    myRecordAccessLog: (_root, args, { audit }) => audit.recordAccessLog(pageArgs(args)),
    auditChainStatus: (_root, _args, { audit }) => audit.chainStatus(),
  },
  AuditEvent: {
    actor: (entry) => ({ userId: entry.actorId ?? null, roles: entry.actorRoles }),
    patientId: (entry) => entry.patientId ?? null,
  },
  AuditChainStatus: {
    firstBrokenPosition: (status) => (status.valid ? null : status.firstBrokenPosition),
    reason: (status) => (status.valid ? null : status.reason),
    headPosition: (status) => status.head.lastPosition,
    headHash: (status) => status.head.lastHash,
  },
};
