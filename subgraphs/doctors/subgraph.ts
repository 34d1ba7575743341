/** Composition root of the doctors subgraph: departments and doctors. */
import { gql } from 'graphql-tag';
import { readSdl } from '../../schema/catalog.ts';
import { weekdayHours } from '../../platform/time.ts';
import { ErrorCode } from '../../platform/errors.ts';
import { loaderById, loaderGrouped } from '../../platform/graphql/loaders.ts';
import { defineSubgraph, type SubgraphDependencies, type SubgraphDefinition } from '../../platform/subgraph.ts';
import type { Context } from './context.ts';
import { doctorEntities } from './doctor.entity.ts';
import { DoctorRepository } from './doctor.repository.ts';
import { DoctorService } from './doctor.service.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';

export const doctorsSubgraph: SubgraphDefinition<Context> = {
  name: 'doctors',
  entities: doctorEntities,
  migrations,
  typeDefs: gql(readSdl('doctors')),
  resolvers,
  constraints: {
    department_name_key: { code: ErrorCode.CONFLICT, message: 'A department with this name already exists.' },
    department_code_key: { code: ErrorCode.CONFLICT, message: 'A department with this code already exists.' },
    doctor_identifier_system_value_key: {
      code: ErrorCode.CONFLICT,
      message: 'A doctor with this identifier is already registered.',
    },
  },
  createContext: (base, { orm, deps }) => {
    const em = orm.em.fork();
    const repository = new DoctorRepository(em);
    return {
      ...base,
      em,
      doctors: new DoctorService({ em, actor: base, currency: deps.hospital.currency }),
      defaultWeeklyHours: weekdayHours(deps.hospital.clinicHours.opensAt, deps.hospital.clinicHours.closesAt),
      loaders: {
        doctorById: loaderById(
          (ids) => repository.findDoctors(ids),
          (doctor) => doctor.id,
        ),
        departmentById: loaderById(
          (ids) => repository.findDepartments(ids),
          (department) => department.id,
        ),
        identifiersByDoctor: loaderGrouped(
          (ids) => repository.identifiersOf(ids),
          (identifier) => identifier.doctor.id,
        ),
      },
    };
  },
};

/** The doctors subgraph, ready to start. */
export const createDoctorsSubgraph = (deps: SubgraphDependencies) => defineSubgraph(doctorsSubgraph, deps);
