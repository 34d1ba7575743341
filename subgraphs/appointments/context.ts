/** The per-request context of the appointments subgraph, and the references it returns to other subgraphs. */
import type DataLoader from 'dataloader';
import type { EntityManager } from '../../platform/db/orm.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Connection } from '../../platform/graphql/pagination.ts';
import type { Appointment } from './appointment.entity.ts';
import type { AppointmentService } from './appointment.service.ts';
import type { BookingService } from './booking.service.ts';

export interface Context extends RequestContext {
  em: EntityManager;
  appointments: AppointmentService;
  bookings: BookingService;
  loaders: {
    appointmentById: DataLoader<string, Appointment | null>;
  };
}

/** What `AppointmentConnection` resolvers receive. */
export type AppointmentConnection = Connection<Appointment>;

/** Entities owned elsewhere, as this subgraph returns them: their key, resolved by their own subgraph. */
export interface PatientReference {
  id: string;
}
export interface DoctorReference {
  id: string;
}
export interface DepartmentReference {
  id: string;
}
