/** Resolvers of the appointments subgraph: parse the input, call the service, shape the result. */
import { z } from 'zod';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { money } from '../../../platform/money.ts';
import { loaderPerParent, requestLoader } from '../../../platform/graphql/loaders.ts';
import { pageArgs, type Connection } from '../../../platform/graphql/pagination.ts';
import { dateSchema, identifierLookupSchema, idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Appointment } from '../appointment.entity.ts';
import type { AppointmentParent } from '../appointment.repository.ts';
import type { AppointmentFilter } from '../appointment.inputs.ts';
import type { Context } from '../context.ts';
import {
  appointmentFilterInput,
  bookAppointmentInput,
  cancellationReason,
  importAppointmentInput,
  rejectionReason,
  rescheduleInput,
} from '../appointment.inputs.ts';
import { APPOINTMENT_STATUSES } from '../appointment.rules.ts';

const statusList = z.array(z.enum(APPOINTMENT_STATUSES)).nullish();

interface NestedArgs {
  filter: AppointmentFilter;
  page: { first: number | null; after: string | null };
}

/**
 * `Patient.appointments` / `Doctor.appointments`: one parent's page through the request's loader, so that a page of
 * patients reads all their appointments in one statement (`AppointmentService.listPerParent`).
 */
function appointmentsOf(context: Context, parent: AppointmentParent, parentId: string, args: NestedArgs) {
  const loader = requestLoader(context, `appointments.${parent}`, () =>
    loaderPerParent<NestedArgs, Connection<Appointment>>(
      (parentIds, { filter, page }) => context.appointments.listPerParent(parent, parentIds, filter, page),
      (key) => JSON.stringify(key),
    ),
  );
  return loader.load({ parentId, args });
}

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    appointment: (_root, args, { appointments }) => appointments.get(parseInput(idSchema, args.id, 'id')),
    appointments: (_root, args, { appointments }) =>
      appointments.list(parseInput(appointmentFilterInput, args.filter ?? {}, 'filter'), pageArgs(args)),
    appointmentsByIdentifier: (_root, args, { appointments }) => {
      const lookup = parseInput(identifierLookupSchema, args, '');
      return appointments.byIdentifiers(lookup.system, lookup.values);
    },
  },
  Mutation: {
    bookAppointment: (_root, args, { bookings }) => bookings.book(parseInput(bookAppointmentInput, args.input)),
    acceptAppointment: (_root, args, { appointments }) => appointments.accept(parseInput(idSchema, args.id, 'id')),
    rejectAppointment: (_root, args, { appointments }) =>
      appointments.reject(
        parseInput(idSchema, args.id, 'id'),
        parseInput(rejectionReason, args.reason, 'reason') ?? null,
      ),
    rescheduleAppointment: (_root, args, { bookings }) => {
      const input = parseInput(rescheduleInput, args, '');
      return bookings.reschedule(input.id, input.startsAt);
    },
    cancelAppointment: (_root, args, { appointments }) =>
      appointments.cancel(
        parseInput(idSchema, args.id, 'id'),
        parseInput(cancellationReason, args.reason, 'reason') ?? null,
      ),
    checkInAppointment: (_root, args, { appointments }) => appointments.checkIn(parseInput(idSchema, args.id, 'id')),
    completeAppointment: (_root, args, { appointments }) => appointments.complete(parseInput(idSchema, args.id, 'id')),
    markNoShow: (_root, args, { appointments }) => appointments.markNoShow(parseInput(idSchema, args.id, 'id')),
    importAppointment: (_root, args, { bookings }) =>
      bookings.importHistorical(parseInput(importAppointmentInput, args.input)),
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
    consultationFee: (appointment) => money(appointment.consultationFeeAmount, appointment.feeCurrency),
    feeOwed: (appointment) =>
      appointment.feeOwedAmount === null || appointment.feeOwedAmount === undefined
        ? null
        : money(appointment.feeOwedAmount, appointment.feeCurrency),
    identifier: (appointment) =>
      appointment.sourceSystem && appointment.sourceValue
        ? { system: appointment.sourceSystem, value: appointment.sourceValue }
        : null,
  },
  Patient: {
    appointments: (patient, args, context) =>
      appointmentsOf(context, 'patientId', patient.id, {
        filter: { status: parseInput(statusList, args.status, 'status') ?? null },
        page: pageArgs(args),
      }),
  },
  Doctor: {
    appointments: (doctor, args, context) =>
      appointmentsOf(context, 'doctorId', doctor.id, {
        filter: parseInput(appointmentFilterInput, { from: args.from, to: args.to, status: args.status }, ''),
        page: pageArgs(args),
      }),
    availableSlots: (doctor, args, { bookings }) =>
      bookings.availableSlots(doctor.id, parseInput(dateSchema, args.date, 'date')),
  },
};
