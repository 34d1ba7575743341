/**
 * The resolvers of `schema/gateway.graphql`: each subscription field opens a stream on the `EventHub` that lets
 * through only the events its subscriber may receive (SPEC §2, decided from the verified token, never from
 * arguments), reads the entity each event carries through the supergraph as the subscriber (`entity-lookup.ts`),
 * and skips events whose entity the subscriber may not read. `@access` on each field is enforced by the platform's
 * access policy (`platform/auth/access-policy.ts`) on `subscribe` and on every event.
 */
import { GraphQLError, responsePathAsArray, type GraphQLFormattedError, type GraphQLResolveInfo } from 'graphql';
import { hasAnyRole, type Principal } from '../../platform/auth/principal.ts';
import { DomainError, ForbiddenError } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/graphql/context.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  entitySelections,
  lookUpEntity,
  rootEntitySelections,
  type EntitySelection,
  type LookupExecutor,
} from './entity-lookup.ts';
import type { EventHub } from './event-hub.ts';
import type { AppointmentUpdateType, RealtimeEvent } from './realtime-feed.ts';

/** The context of one subscription (one `subscribe` message of a `graphql-ws` connection). */
export interface SubscriptionContext extends RequestContext {
  hub: EventHub<RealtimeEvent>;
  /** Runs a query through the gateway as this subscriber. */
  lookUp: LookupExecutor;
  /**
   * Errors of the entity read for the event being sent (fields the subscriber may not read), with paths from the
   * subscription root; the server adds them to the event's message and empties the list.
   */
  pendingErrors: GraphQLFormattedError[];
  /** False once the subscriber's token was revoked: the connection is closed and nothing more is sent. */
  stillAuthorized(): boolean;
}

/** An entity read through the supergraph (`entity-lookup.ts`): its fields by response key. */
export type LookedUpEntity = Record<string, unknown>;

/** An event's entity as the subscriber read it: by response key (null where it could not be read), and why not. */
export interface EventEntity {
  values: Record<string, LookedUpEntity | null>;
  /** Errors of the read, with paths from the subscription root. */
  errors: GraphQLFormattedError[];
}

/** What `AppointmentUpdate` resolvers receive: the event, and the appointment under each of its response keys. */
export interface AppointmentUpdateModel {
  eventId: string;
  type: AppointmentUpdateType;
  occurredAt: string;
  entity: EventEntity;
}

/** What `PaymentReceived` resolvers receive. */
export interface PaymentReceivedModel {
  eventId: string;
  occurredAt: string;
  entity: EventEntity;
}

const STAFF_FOR_APPOINTMENTS = ['ADMIN', 'RECEPTION', 'BILLING'] as const;
const STAFF_FOR_PAYMENTS = ['ADMIN', 'BILLING'] as const;

/** SPEC §2 "Appointments: read": own (patients, doctors), all (reception, billing, admins). */
export function mayReceiveAppointment(principal: Principal, event: { patientId: string; doctorId: string }): boolean {
  return (
    hasAnyRole(principal, STAFF_FOR_APPOINTMENTS) ||
    (hasAnyRole(principal, ['DOCTOR']) && principal.doctorId === event.doctorId) ||
    (hasAnyRole(principal, ['PATIENT']) && principal.patientId === event.patientId)
  );
}

/** SPEC §2 "Bills: read" (a payment is part of its bill): own (patients), all (billing, admins). */
export function mayReceivePayment(principal: Principal, event: { patientId: string }): boolean {
  return (
    hasAnyRole(principal, STAFF_FOR_PAYMENTS) ||
    (hasAnyRole(principal, ['PATIENT']) && principal.patientId === event.patientId)
  );
}

/** SPEC §2 "Notifications feed": own only, by the recipient the notification names. */
export function mayReceiveNotification(
  principal: Principal,
  recipient: { kind: 'PATIENT' | 'PRACTITIONER' | 'USER'; id: string },
): boolean {
  switch (recipient.kind) {
    case 'PATIENT':
      return principal.patientId === recipient.id;
    case 'PRACTITIONER':
      return principal.doctorId === recipient.id;
    case 'USER':
      return principal.userId === recipient.id;
  }
}

/** The caller, who the access policy has already required to be signed in. */
function subscriber(context: SubscriptionContext): Principal {
  if (!context.principal) throw new ForbiddenError();
  return context.principal;
}

/**
 * Turns hub events into subscription payloads: drops events the subscriber may no longer receive, reads the entity
 * of each through the supergraph, and skips those the subscriber may not read. The subscriber is registered with the
 * hub at once (not at the first read), and `return()` (the client completed, or the socket closed) ends the stream
 * even while it waits for the next event: an async generator could not, being suspended in that wait.
 */
function payloads<Kind extends RealtimeEvent['kind'], Payload>(
  context: SubscriptionContext,
  info: GraphQLResolveInfo,
  accepts: (event: RealtimeEvent) => event is Extract<RealtimeEvent, { kind: Kind }>,
  entity: (event: Extract<RealtimeEvent, { kind: Kind }>) => { lookupField: string; id: string },
  selections: readonly EntitySelection[],
  /** Paths of entity errors start at the entity's response key; this puts the subscription root in front. */
  errorPathPrefix: readonly (string | number)[],
  toPayload: (event: Extract<RealtimeEvent, { kind: Kind }>, entity: EventEntity) => Payload,
): AsyncIterableIterator<Payload> {
  const stream = context.hub.subscribe(accepts);
  const done = { value: undefined, done: true } as const;
  const iterator: AsyncIterableIterator<Payload> = {
    async next() {
      for (;;) {
        const next = await stream.next();
        if (next.done) return done;
        if (!context.stillAuthorized()) {
          await stream.return?.();
          return done;
        }
        const event = next.value as Extract<RealtimeEvent, { kind: Kind }>;
        const { lookupField, id } = entity(event);
        const read = await lookUpEntity(context.lookUp, lookupField, id, selections, info);
        if (!read.values) {
          context.logger.debug({ eventId: event.eventId }, 'live event skipped: its entity is not readable');
          continue;
        }
        const errors = read.errors.map((error) => ({
          ...error,
          ...(error.path ? { path: [...errorPathPrefix, ...error.path] } : {}),
        }));
        context.pendingErrors.push(...errors);
        return { value: toPayload(event, { values: read.values as EventEntity['values'], errors }), done: false };
      }
    },
    async return() {
      await stream.return?.();
      return done;
    },
    async throw(error: unknown) {
      await stream.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

const responseKey = (info: GraphQLResolveInfo): string => String(info.path.key);

/**
 * The entity under the current field's response key; where the subscriber could not read it (a non-null field they
 * may not read inside it took it down), the error that did, at its own path, as the lookup reported it.
 */
function entityAt(entity: EventEntity, context: SubscriptionContext, info: GraphQLResolveInfo): LookedUpEntity {
  const value = entity.values[responseKey(info)];
  if (value) return value;
  const here = responsePathAsArray(info.path);
  const cause = entity.errors.find((error) => here.every((key, index) => error.path?.[index] === key));
  if (!cause) throw new Error(`the entity at ${here.join('.')} was not read`);
  // Reported here, with its path, instead of with the other errors of the read.
  const pending = context.pendingErrors.indexOf(cause);
  if (pending >= 0) context.pendingErrors.splice(pending, 1);
  const code = typeof cause.extensions?.code === 'string' ? cause.extensions.code : 'INTERNAL_SERVER_ERROR';
  throw new GraphQLError(cause.message, {
    ...(cause.path ? { path: cause.path } : {}),
    originalError: new DomainError(code, cause.message),
  });
}

export const subscriptionResolvers: Resolvers<SubscriptionContext> = {
  Subscription: {
    appointmentUpdated: {
      subscribe: (_root, args, context, info) => {
        const principal = subscriber(context);
        const isStaff = hasAnyRole(principal, STAFF_FOR_APPOINTMENTS);
        const isDoctor = hasAnyRole(principal, ['DOCTOR']);
        const isPatient = hasAnyRole(principal, ['PATIENT']);
        // Narrowing to someone else's appointments is refused outright rather than answered with silence.
        if (!isStaff && args.patientId && !isDoctor && args.patientId !== principal.patientId) {
          throw new ForbiddenError('Patients may follow only their own appointments.');
        }
        if (!isStaff && args.doctorId && !isPatient && args.doctorId !== principal.doctorId) {
          throw new ForbiddenError('Doctors may follow only their own appointments.');
        }
        return payloads(
          context,
          info,
          (event): event is Extract<RealtimeEvent, { kind: 'appointment' }> =>
            event.kind === 'appointment' &&
            (!args.patientId || event.patientId === args.patientId) &&
            (!args.doctorId || event.doctorId === args.doctorId) &&
            mayReceiveAppointment(principal, event),
          (event) => ({ lookupField: 'appointment', id: event.appointmentId }),
          entitySelections(
            info.fieldNodes.map((node) => node.selectionSet),
            'appointment',
            info.fragments,
          ),
          [responseKey(info)],
          (event, entity): AppointmentUpdateModel => ({
            eventId: event.eventId,
            type: event.type,
            occurredAt: event.occurredAt,
            entity,
          }),
        );
      },
      resolve: (payload: AppointmentUpdateModel) => payload,
    },
    paymentReceived: {
      subscribe: (_root, args, context, info) => {
        const principal = subscriber(context);
        if (!hasAnyRole(principal, STAFF_FOR_PAYMENTS) && args.patientId && args.patientId !== principal.patientId) {
          throw new ForbiddenError('Patients may follow only payments of their own bills.');
        }
        return payloads(
          context,
          info,
          (event): event is Extract<RealtimeEvent, { kind: 'payment' }> =>
            event.kind === 'payment' &&
            (!args.patientId || event.patientId === args.patientId) &&
            (!args.billId || event.billId === args.billId) &&
            mayReceivePayment(principal, event),
          (event) => ({ lookupField: 'payment', id: event.paymentId }),
          entitySelections(
            info.fieldNodes.map((node) => node.selectionSet),
            'payment',
            info.fragments,
          ),
          [responseKey(info)],
          (event, entity): PaymentReceivedModel => ({
            eventId: event.eventId,
            occurredAt: event.occurredAt,
            entity,
          }),
        );
      },
      resolve: (payload: PaymentReceivedModel) => payload,
    },
    notificationAdded: {
      subscribe: (_root, _args, context, info) => {
        const principal = subscriber(context);
        return payloads(
          context,
          info,
          (event): event is Extract<RealtimeEvent, { kind: 'notification' }> =>
            event.kind === 'notification' && mayReceiveNotification(principal, event.recipient),
          (event) => ({ lookupField: 'notification', id: event.notificationId }),
          rootEntitySelections(info.fieldNodes),
          [],
          (_event, entity): EventEntity => entity,
        );
      },
      resolve: (entity: EventEntity, _args: unknown, context: SubscriptionContext, info: GraphQLResolveInfo) =>
        entityAt(entity, context, info),
    },
  },
  AppointmentUpdate: {
    eventId: (update) => update.eventId,
    type: (update) => update.type,
    occurredAt: (update) => new Date(update.occurredAt),
    appointment: (update, _args, context, info) => entityAt(update.entity, context, info),
  },
  PaymentReceived: {
    eventId: (received) => received.eventId,
    occurredAt: (received) => new Date(received.occurredAt),
    payment: (received, _args, context, info) => entityAt(received.entity, context, info),
  },
};
