/**
 * The playground's example operations: for each role of SPEC §2, what that role typically asks the graph, and each
 * subscription of `schema/gateway.graphql` it may hold. One operation per example, so that an example opens as a
 * GraphiQL tab that runs with one click; variables are nullable (GraphiQL's variables pane fills them in).
 *
 * Every example is validated against the client schema `schema/api.graphql` by `playground.examples.test.ts`: a
 * schema change that breaks one fails the tests. To add one, append it to its role's list below.
 */
import type { Role } from '../../platform/auth/principal.ts';

export interface PlaygroundExample {
  /** The role of SPEC §2 the example is written for (who may run it). */
  role: Role;
  /** A short label for the examples menu. */
  title: string;
  /** One GraphQL operation, named; a leading `#` comment says what it shows. */
  document: string;
}

/** The roles in the order the examples menu lists them. */
export const PLAYGROUND_ROLES: readonly Role[] = ['PATIENT', 'DOCTOR', 'RECEPTION', 'BILLING', 'ADMIN'];

const example = (role: Role, title: string, document: string): PlaygroundExample => ({
  role,
  title,
  document: document.trim() + '\n',
});

export const PLAYGROUND_EXAMPLES: readonly PlaygroundExample[] = [
  example(
    'PATIENT',
    'Who am I',
    `
# The signed-in account: its roles, and the patient or doctor record it acts as.
query WhoAmI {
  me {
    id
    email
    roles
    patientId
    doctorId
  }
}`,
  ),
  example(
    'PATIENT',
    'My appointments',
    `
# A patient's own appointments, in order of start time (patients only ever see their own).
query MyAppointments {
  appointments(first: 20) {
    totalCount
    edges {
      node {
        id
        startsAt
        endsAt
        status
        rescheduleCount
        doctor { displayName specialization department { name } }
      }
    }
  }
}`,
  ),
  example(
    'PATIENT',
    'My bills',
    `
# A patient's own bills, newest first, with what is still owed (amounts in minor units, e.g. cents).
query MyBills {
  bills(first: 20) {
    edges {
      node {
        id
        number
        status
        issuedAt
        total { amount currency }
        balanceDue { amount currency }
        appointment { startsAt doctor { displayName } }
      }
    }
  }
}`,
  ),
  example(
    'PATIENT',
    'Who read my record',
    `
# Who accessed my patient record, and who tried and was refused (SPEC §8).
query WhoReadMyRecord {
  myRecordAccessLog(first: 20) {
    edges {
      node { occurredAt action outcome resourceType actor { userId roles } }
    }
  }
}`,
  ),
  example(
    'PATIENT',
    'Live: my appointments',
    `
# Changes to my appointments as they happen: book one in another tab and watch it arrive here.
subscription MyAppointmentUpdates {
  appointmentUpdated {
    type
    occurredAt
    appointment { id status startsAt doctor { displayName } }
  }
}`,
  ),
  example(
    'PATIENT',
    'Live: payments of my bills',
    `
# Payments of my bills as they are recorded.
subscription MyPayments {
  paymentReceived {
    occurredAt
    payment { reference status method amount { amount currency } bill { number status balanceDue { amount } } }
  }
}`,
  ),
  example(
    'DOCTOR',
    'My day',
    `
# A doctor's appointments between two instants (set "from" and "to" in the variables pane, ISO 8601 with offset).
query MyDay($from: DateTime, $to: DateTime) {
  appointments(first: 50, filter: { from: $from, to: $to, status: [PENDING, CONFIRMED, CHECKED_IN] }) {
    edges {
      node {
        id
        startsAt
        status
        reason
        patient { mrn givenName familyName birthDate }
      }
    }
  }
}`,
  ),
  example(
    'DOCTOR',
    'My patients',
    `
# The patients this doctor has or had an appointment with (the only ones a doctor may read).
query MyPatients($search: String) {
  patients(first: 20, search: $search) {
    totalCount
    edges { node { id mrn givenName familyName birthDate } }
  }
}`,
  ),
  example(
    'DOCTOR',
    'Live: my appointments',
    `
# Bookings, reschedules and cancellations of this doctor's appointments, as they happen.
subscription MyScheduleUpdates {
  appointmentUpdated {
    type
    occurredAt
    appointment { id status startsAt patient { mrn givenName familyName } }
  }
}`,
  ),
  example(
    'RECEPTION',
    'Front desk queue',
    `
# Today's queue at the front desk: confirmed and checked-in appointments between two instants.
query FrontDeskQueue($from: DateTime, $to: DateTime) {
  appointments(first: 100, filter: { from: $from, to: $to, status: [CONFIRMED, CHECKED_IN] }) {
    edges {
      node {
        id
        startsAt
        status
        patient { mrn givenName familyName }
        doctor { displayName department { name } }
      }
    }
  }
}`,
  ),
  example(
    'RECEPTION',
    'Find a patient',
    `
# Patients by MRN or email (exact), phone number or part of a name.
query FindPatient($search: String) {
  patients(first: 20, search: $search) {
    edges { node { id mrn givenName familyName birthDate phone email } }
  }
}`,
  ),
  example(
    'RECEPTION',
    'Live: every appointment',
    `
# Every appointment change in the hospital, as it happens (reception, billing and admins see them all).
subscription FrontDeskUpdates {
  appointmentUpdated {
    type
    occurredAt
    appointment {
      id
      status
      startsAt
      patient { mrn givenName familyName }
      doctor { displayName }
    }
  }
}`,
  ),
  example(
    'BILLING',
    'Unpaid bills',
    `
# Bills still owed: issued or partly paid, newest first.
query UnpaidBills {
  bills(first: 50, filter: { status: [ISSUED, PARTIALLY_PAID] }) {
    totalCount
    edges {
      node {
        id
        number
        status
        issuedAt
        patient { mrn givenName familyName }
        total { amount currency }
        amountPaid { amount }
        balanceDue { amount }
      }
    }
  }
}`,
  ),
  example(
    'BILLING',
    'Live: payments',
    `
# Every payment that succeeds, as it is recorded.
subscription PaymentsReceived {
  paymentReceived {
    occurredAt
    payment { reference method amount { amount currency } bill { number status patient { mrn } } }
  }
}`,
  ),
  example(
    'ADMIN',
    'Audit log',
    `
# The newest entries of the audit log (filter by actor, patient, action, outcome, time or correlation id).
query AuditLog($outcome: AuditOutcome) {
  auditEvents(first: 20, filter: { outcome: $outcome }) {
    totalCount
    edges {
      node {
        position
        occurredAt
        eventType
        action
        outcome
        resourceType
        resourceIds
        actor { userId roles }
        correlationId
      }
    }
  }
}`,
  ),
  example(
    'ADMIN',
    'Audit chain',
    `
# Verifies the audit log's hash chain now (reads every entry kept).
query AuditChain {
  auditChainStatus { valid length headPosition headHash firstBrokenPosition reason checkedAt }
}`,
  ),
  example(
    'ADMIN',
    'Accounts',
    `
# Accounts by email (part of it), with their roles and whether they are active.
query Accounts($search: String) {
  users(first: 20, search: $search) {
    totalCount
    edges { node { id email roles active doctorId patientId createdAt } }
  }
}`,
  ),
  example(
    'ADMIN',
    'Departments and doctors',
    `
# Every department with its doctors and their fees (minor units).
query DepartmentsAndDoctors {
  departments {
    id
    name
    code
    doctors {
      edges { node { id displayName specialization active consultationFee { amount currency } } }
    }
  }
}`,
  ),
  example(
    'ADMIN',
    'Live: my notifications',
    `
# The signed-in user's new in-app notifications, as they are created (every role receives its own).
subscription MyNotifications {
  notificationAdded {
    id
    eventType
    subject
    message
    createdAt
  }
}`,
  ),
];
