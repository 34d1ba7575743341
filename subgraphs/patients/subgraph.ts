/**
 * Composition root of the patients subgraph: its entities, migrations, schema, resolvers, consumers and
 * per-request context. `platform/subgraph.ts` runs the lifecycle.
 */
import DataLoader from 'dataloader';
import { gql } from 'graphql-tag';
import { readSdl } from '../../schema/catalog.ts';
import { loaderById, loaderGrouped } from '../../platform/graphql/loaders.ts';
import {
  defineSubgraph,
  type ConsumerSpec,
  type SubgraphDependencies,
  type SubgraphDefinition,
} from '../../platform/subgraph.ts';
import { ErrorCode } from '../../platform/errors.ts';
import type { EventHandler } from '../../platform/events/consumer.ts';
import { principalOfEvent } from '../../platform/events/envelope.ts';
import type { Context } from './context.ts';
import { migrations } from './migrations/index.ts';
import { patientEntities } from './patient.entity.ts';
import { appointmentBookedPayload, userSignedUpPayload } from './patient.events.ts';
import { PatientRepository } from './patient.repository.ts';
import { PatientService } from './patient.service.ts';
import { resolvers } from './resolvers/index.ts';

const recordCareRelationship: EventHandler = async (em, event) => {
  const { doctorId, patientId } = appointmentBookedPayload.parse(event.payload);
  await new PatientRepository(em).addCareRelationship(doctorId, patientId, new Date(event.occurredAt));
};

export const patientsSubgraph: SubgraphDefinition<Context> = {
  name: 'patients',
  entities: patientEntities,
  migrations,
  typeDefs: gql(readSdl('patients')),
  resolvers,
  constraints: {
    patient_identifier_system_value_key: {
      code: ErrorCode.CONFLICT,
      message: 'A patient with this identifier is already registered.',
    },
    patient_mrn_key: { code: ErrorCode.CONFLICT, message: 'This MRN is already taken; try again.' },
  },
  createContext: (base, { orm, deps }) => {
    const em = orm.em.fork();
    const repository = new PatientRepository(em);
    const doctorId = base.principal?.doctorId;
    const careOfCaller = doctorId
      ? new DataLoader<string, boolean>(async (patientIds) => {
          const mine = await repository.careRelationships(doctorId, patientIds);
          return patientIds.map((patientId) => mine.has(patientId));
        })
      : undefined;
    return {
      ...base,
      em,
      patients: new PatientService({
        em,
        actor: base,
        clock: deps.clock,
        timeZone: deps.hospital.timeZone,
        ...(careOfCaller ? { isPatientOfCaller: (patientId: string) => careOfCaller.load(patientId) } : {}),
      }),
      loaders: {
        patientById: loaderById(
          (ids) => repository.findByIds(ids),
          (patient) => patient.id,
        ),
        identifiersByPatient: loaderGrouped(
          (ids) => repository.identifiersOf(ids),
          (identifier) => identifier.patient.id,
        ),
      },
    };
  },
  consumers: ({ deps }): ConsumerSpec[] => [
    {
      name: 'patients.care-relationships',
      topics: ['appointment-events'],
      // A booked or a recorded past appointment makes the doctor one of the patient's doctors.
      handlers: { AppointmentBooked: recordCareRelationship, AppointmentImported: recordCareRelationship },
    },
    {
      name: 'patients.user-signups',
      topics: ['identity-events'],
      handlers: {
        UserSignedUp: async (em, event) => {
          const signUp = userSignedUpPayload.parse(event.payload);
          const service = new PatientService({
            em,
            actor: { principal: principalOfEvent(event), correlationId: event.correlationId },
            clock: deps.clock,
            timeZone: deps.hospital.timeZone,
          });
          await service.registerFromSignUp(em, signUp);
        },
      },
    },
  ],
};

/** The patients subgraph, ready to start. */
export const createPatientsSubgraph = (deps: SubgraphDependencies) => defineSubgraph(patientsSubgraph, deps);
