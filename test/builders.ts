/**
 * Builders of test data through the public API (as a client would create it), with sensible defaults that a
 * test overrides where it matters.
 */
import { randomUUID } from 'node:crypto';
import type { GraphClient } from '../platform/graphql/client.ts';
import { eventually } from '../platform/testing/graph.ts';
import type { Graph } from '../embedded/graph.ts';
import { DoctorReplica, PatientReplica } from '../subgraphs/appointments/appointment.entity.ts';

const unique = () => randomUUID().slice(0, 8);

export interface Department {
  id: string;
  name: string;
  code: string;
}

export async function aDepartment(
  admin: GraphClient,
  overrides: Partial<{ name: string; code: string }> = {},
): Promise<Department> {
  const suffix = unique()
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  const data = await admin.data<{ createDepartment: Department }>(
    'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id name code } }',
    { input: { name: `Department ${suffix}`, code: `D${suffix.slice(0, 6)}`, ...overrides } },
  );
  return data.createDepartment;
}

export interface Doctor {
  id: string;
  departmentId: string;
}

export async function aDoctor(
  admin: GraphClient,
  departmentId: string,
  overrides: Record<string, unknown> = {},
): Promise<Doctor> {
  const data = await admin.data<{ createDoctor: { id: string } }>(
    'mutation($input: CreateDoctorInput!) { createDoctor(input: $input) { id } }',
    {
      input: {
        givenName: 'Grace',
        familyName: `Hopper-${unique()}`,
        departmentId,
        specialization: 'General Practice',
        consultationFeeAmount: 8_000,
        ...overrides,
      },
    },
  );
  return { id: data.createDoctor.id, departmentId };
}

export async function aPatient(
  admin: GraphClient,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; mrn: string }> {
  const data = await admin.data<{ registerPatient: { id: string; mrn: string } }>(
    'mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id mrn } }',
    {
      input: {
        givenName: 'Ada',
        familyName: `Lovelace-${unique()}`,
        birthDate: '1990-12-10',
        sex: 'FEMALE',
        ...overrides,
      },
    },
  );
  return data.registerPatient;
}

/**
 * Waits until the appointments subgraph's read model knows the doctors and patients (it learns of them from
 * events, so a booking right after creating them could otherwise come too early).
 */
export async function untilBookable(graph: Graph, ids: { doctorIds?: string[]; patientIds?: string[] }): Promise<void> {
  const appointments = graph.subgraphs.find((subgraph) => subgraph.name === 'appointments')!;
  await eventually(async () => {
    const em = appointments.runtime.orm.em.fork();
    const doctors = await em.count(DoctorReplica, { doctorId: { $in: ids.doctorIds ?? [] } });
    const patients = await em.count(PatientReplica, { patientId: { $in: ids.patientIds ?? [] } });
    return doctors === (ids.doctorIds?.length ?? 0) && patients === (ids.patientIds?.length ?? 0);
  });
}

export const BOOK = `mutation($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { id status startsAt endsAt patient { id } doctor { id } department { id } }
}`;

/** A slot start `days` days from now at `hour:minute` UTC. */
export function slotAt(days: number, hour: number, minute = 0): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  date.setUTCHours(hour, minute, 0, 0);
  return date.toISOString();
}
