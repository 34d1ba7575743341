/** The per-request context of the doctors subgraph. */
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { Department } from './department.entity.ts';
import type { Doctor, DoctorIdentifier, WorkingHours } from './doctor.entity.ts';
import type { DoctorService } from './doctor.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  doctors: DoctorService;
  /** Working hours of a doctor who has not set theirs: the clinic's hours, Monday to Friday. */
  defaultWeeklyHours: WorkingHours[];
  loaders: {
    doctorById: DataLoader<string, Doctor | null>;
    departmentById: DataLoader<string, Department | null>;
    identifiersByDoctor: DataLoader<string, DoctorIdentifier[]>;
  };
}

/** What `DoctorConnection` resolvers receive. */
export type DoctorConnection = Connection<Doctor>;
