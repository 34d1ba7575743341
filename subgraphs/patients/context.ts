/** The per-request context of the patients subgraph, built once per request in `subgraph.ts`. */
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { Patient, PatientIdentifier } from './patient.entity.ts';
import type { PatientService } from './patient.service.ts';

export interface Context extends RequestContext {
  /** This request's unit of work. */
  em: EntityManager;
  patients: PatientService;
  loaders: {
    /** Patients by id, for `__resolveReference` (null when missing). */
    patientById: DataLoader<string, Patient | null>;
    identifiersByPatient: DataLoader<string, PatientIdentifier[]>;
  };
}

/** What `PatientConnection` resolvers receive. */
export type PatientConnection = Connection<Patient>;
