/** Resolvers of the appointments subgraph: parse the input, call the service, shape the result. */
import { z } from 'zod';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { appointmentFilterInput, bookAppointmentInput, cancellationReason } from '../appointment.inputs.ts';
import { APPOINTMENT_STATUSES } from '../appointment.rules.ts';

const statusList = z.array(z.enum(APPOINTMENT_STATUSES)).nullish();
const page = (args: { first?: number | null; after?: string | null }) => ({
  first: args.first ?? null,
  after: args.after ?? null,
});

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    appointment: (_root, args, { appointments }) => appointments.get(parseInput(idSchema, args.id, 'id')),
    appointments: (_root, args, { appointments }) =>
      appointments.list(parseInput(appointmentFilterInput, args.filter ?? {}, 'filter'), page(args)),
  },
  Mutation: {
    bookAppointment: (_root, args, { appointments }) => appointments.book(parseInput(bookAppointmentInput, args.input)),
    cancelAppointment: (_root, args, { appointments }) =>
      appointments.cancel(
        parseInput(idSchema, args.id, 'id'),
        parseInput(cancellationReason, args.reason, 'reason') ?? null,
      ),
  },
  Appointment: {
    __resolveReference: async (reference, { appointments, loaders }) => {
      const appointment = await loaders.appointmentById.load(reference.id);
      if (appointment) appointments.authorizeRead(appointment);
      return appointment;
    },
    patient: (appointment) => ({ id: appointment.patientId }),
    doctor: (appointment) => ({ id: appointment.doctorId }),
    department: (appointment) => ({ id: appointment.departmentId }),
  },
  Patient: {
    appointments: (patient, args, { appointments }) =>
      appointments.list(
        { patientId: patient.id, status: parseInput(statusList, args.status, 'status') ?? null },
        page(args),
      ),
  },
  Doctor: {
    appointments: (doctor, args, { appointments }) =>
      appointments.list(
        parseInput(
          appointmentFilterInput,
          { doctorId: doctor.id, from: args.from, to: args.to, status: args.status },
          '',
        ),
        page(args),
      ),
  },
};
