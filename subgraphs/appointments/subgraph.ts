/**
 * Composition root of the appointments subgraph: booking and the lifecycle, `Patient.appointments` and
 * `Doctor.appointments`, and the consumers that keep its copy of doctors and patients current.
 */
import { gql } from 'graphql-tag';
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
import { DEFAULT_POLICY, SchedulingError } from './appointment.rules.ts';
import { AppointmentService } from './appointment.service.ts';
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

export const appointmentsSubgraph: SubgraphDefinition<Context> = {
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
    appointment_time_check: { code: ErrorCode.BAD_USER_INPUT, message: 'An appointment must end after it starts.' },
  },
  createContext: (base, { orm, deps }) => {
    const em = orm.em.fork();
    const repository = new AppointmentRepository(em);
    return {
      ...base,
      em,
      appointments: new AppointmentService({
        em,
        actor: base,
        clock: deps.clock,
        timeZone: deps.hospital.timeZone,
        policy: DEFAULT_POLICY,
      }),
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
      handlers: { DoctorCreated: replicateDoctor, DoctorUpdated: replicateDoctor },
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

/** The appointments subgraph, ready to start. */
export const createAppointmentsSubgraph = (deps: SubgraphDependencies) => defineSubgraph(appointmentsSubgraph, deps);
