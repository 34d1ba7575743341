/**
 * Composition root of the appointments subgraph: booking and the lifecycle, `Patient.appointments` and
 * `Doctor.appointments`, and the consumers that keep its copy of doctors and patients current.
 */
import { gql } from 'graphql-tag';
import { z } from 'zod';
import { readSdl } from '../../schema/catalog.ts';
import { ErrorCode } from '../../platform/errors.ts';
import type { EventHandler } from '../../platform/events/consumer.ts';
import { loaderById } from '../../platform/graphql/loaders.ts';
import {
  defineSubgraph,
  type ConsumerSpec,
  type SubgraphDependencies,
  type SubgraphDefinition,
} from '../../platform/subgraph.ts';
import { appointmentEntities } from './appointment.entity.ts';
import { doctorChangedPayload, patientChangedPayload } from './appointment.events.ts';
import { AppointmentRepository } from './appointment.repository.ts';
import { SchedulingError, type SchedulingPolicy } from './appointment.rules.ts';
import { AppointmentService } from './appointment.service.ts';
import { BookingService } from './booking.service.ts';
import type { Context } from './context.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';

const replicateDoctor: EventHandler = async (em, event) => {
  const doctor = doctorChangedPayload.parse(event.payload);
  await new AppointmentRepository(em).upsertDoctor({
    doctorId: doctor.doctorId,
    departmentId: doctor.departmentId,
    consultationFeeAmount: doctor.consultationFee.amount,
    feeCurrency: doctor.consultationFee.currency,
    active: doctor.active,
    weeklyHours: doctor.weeklyHours,
    timeOff: doctor.timeOff,
    asOf: new Date(event.occurredAt),
  });
};

const replicatePatient: EventHandler = async (em, event) => {
  const patient = patientChangedPayload.parse(event.payload);
  await new AppointmentRepository(em).upsertPatient({
    patientId: patient.patientId,
    // Only living patients whose record is not archived can be booked.
    active: patient.active && !patient.deceased,
    asOf: new Date(event.occurredAt),
  });
};

/** The scheduling policy's own environment variables (SPEC §3 defaults); clinic hours are hospital-wide. */
export const appointmentsEnv = {
  HMS_SLOT_MINUTES: z.coerce
    .number()
    .pipe(z.union([z.literal(10), z.literal(15), z.literal(20), z.literal(30), z.literal(60)]))
    .default(30),
  HMS_BOOKING_LEAD_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(120),
  HMS_DOCTOR_DAILY_CAP: z.coerce.number().int().min(1).max(100).default(8),
  HMS_MAX_RESCHEDULES: z.coerce.number().int().min(0).max(20).default(2),
  HMS_RESCHEDULE_CUTOFF_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(60),
  HMS_LATE_CANCELLATION_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(120),
  HMS_LATE_CANCELLATION_FEE_PERCENT: z.coerce.number().int().min(0).max(100).default(50),
  HMS_NO_SHOW_FEE_PERCENT: z.coerce.number().int().min(0).max(100).default(100),
};

/** The scheduling policy from the environment and the hospital's clinic hours. */
export function schedulingPolicy(
  env: z.infer<z.ZodObject<typeof appointmentsEnv>>,
  clinicHours: { opensAt: number; closesAt: number },
): SchedulingPolicy {
  return {
    slotMinutes: env.HMS_SLOT_MINUTES,
    clinicOpensAt: clinicHours.opensAt,
    clinicClosesAt: clinicHours.closesAt,
    leadTimeMinutes: env.HMS_BOOKING_LEAD_MINUTES,
    dailyCap: env.HMS_DOCTOR_DAILY_CAP,
    maxReschedules: env.HMS_MAX_RESCHEDULES,
    rescheduleCutoffMinutes: env.HMS_RESCHEDULE_CUTOFF_MINUTES,
    lateCancellationMinutes: env.HMS_LATE_CANCELLATION_MINUTES,
    lateCancellationFeePercent: env.HMS_LATE_CANCELLATION_FEE_PERCENT,
    noShowFeePercent: env.HMS_NO_SHOW_FEE_PERCENT,
  };
}

export function appointmentsSubgraph(policy: SchedulingPolicy): SubgraphDefinition<Context> {
  return {
    name: 'appointments',
    entities: appointmentEntities,
    migrations,
    typeDefs: gql(readSdl('appointments')),
    resolvers,
    constraints: {
      appointment_doctor_slot_excl: {
        code: SchedulingError.SLOT_UNAVAILABLE,
        message: 'The doctor already has an appointment in this slot.',
      },
      appointment_patient_slot_excl: {
        code: SchedulingError.PATIENT_DOUBLE_BOOKED,
        message: 'The patient already has an appointment at this time.',
      },
      appointment_source_key: { code: ErrorCode.CONFLICT, message: 'This appointment was booked or imported before.' },
      appointment_time_check: { code: ErrorCode.BAD_USER_INPUT, message: 'An appointment must end after it starts.' },
    },
    createContext: (base, { orm, deps }) => {
      const em = orm.em.fork();
      const repository = new AppointmentRepository(em);
      const services = { em, actor: base, clock: deps.clock, timeZone: deps.hospital.timeZone, policy };
      return {
        ...base,
        em,
        appointments: new AppointmentService(services),
        bookings: new BookingService(services),
        loaders: {
          appointmentById: loaderById(
            (ids) => repository.findByIds(ids),
            (appointment) => appointment.id,
          ),
        },
      };
    },
    consumers: (): ConsumerSpec[] => [
      {
        name: 'appointments.doctor-replica',
        topics: ['doctor-events'],
        handlers: {
          DoctorCreated: replicateDoctor,
          DoctorUpdated: replicateDoctor,
          DoctorAvailabilitySet: replicateDoctor,
        },
      },
      {
        name: 'appointments.patient-replica',
        topics: ['patient-events'],
        handlers: {
          PatientRegistered: replicatePatient,
          PatientUpdated: replicatePatient,
          PatientArchived: replicatePatient,
        },
      },
    ],
  };
}

/** The appointments subgraph, ready to start. */
export const createAppointmentsSubgraph = (deps: SubgraphDependencies, policy: SchedulingPolicy) =>
  defineSubgraph(appointmentsSubgraph(policy), deps);
