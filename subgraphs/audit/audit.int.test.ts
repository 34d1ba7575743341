/**
 * The audit log as admins and patients read it, on a real database (PostgreSQL when configured), through the
 * subgraph's schema (access policy enforced): every event stored once with ids and codes only; admins' filters,
 * newest-first pages and the chain's status; a patient's "who accessed my record", which never shows anything of
 * another patient.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  admin,
  anEvent,
  aRecordRead,
  doctorUser,
  NOW,
  openAuditTestBed,
  patientUser,
  type AuditTestBed,
} from './audit.fixtures.ts';

let bed: AuditTestBed;

beforeAll(async () => {
  bed = await openAuditTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const EVENTS = `query($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id position eventId eventType occurredAt recordedAt actor { userId roles } action resourceType
      resourceIds patientId outcome correlationId source details hash previousHash } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const MINE = `query($first: Int, $after: String) {
  myRecordAccessLog(first: $first, after: $after) {
    totalCount
    edges { node { eventType actor { userId roles } action resourceType resourceIds patientId outcome occurredAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  totalCount: number;
  edges: { cursor: string; node: Record<string, unknown> }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function events(variables: Record<string, unknown>): Promise<Page> {
  const result = await bed.execute(admin(), EVENTS, variables);
  expect(result.errors).toEqual([]);
  return (result.data as { auditEvents: Page }).auditEvents;
}

const minute = (n: number) => new Date(NOW.getTime() + n * 60_000);

describe('events become audit entries', () => {
  it('stores a patient sign-up with who, what, whose and when, and none of the personal data it carried', async () => {
    const userId = randomUUID();
    const patientId = randomUUID();
    const signUp = anEvent(
      'identity-events',
      'UserSignedUp',
      {
        userId,
        patientId,
        email: 'grace@example.org',
        givenName: 'Grace',
        familyName: 'Hopper',
        birthDate: '1906-12-09',
        phone: '+14025550100',
      },
      { actor: { userId, roles: ['PATIENT'] }, occurredAt: minute(1) },
    );
    bed.setNow(minute(2));
    expect(await bed.deliver(signUp)).toBe('handled');
    const page = await events({ filter: { correlationId: signUp.event.correlationId } });
    expect(page.totalCount).toBe(1);
    expect(page.edges[0]!.node).toMatchObject({
      eventId: signUp.event.id,
      eventType: 'UserSignedUp',
      occurredAt: minute(1),
      recordedAt: minute(2),
      actor: { userId, roles: ['PATIENT'] },
      action: 'CREATE',
      resourceType: 'User',
      resourceIds: [userId],
      patientId,
      outcome: 'SUCCESS',
      source: 'identity',
      details: { aggregateId: signUp.event.aggregateId, eventVersion: 1, userId, patientId },
    });
    expect(JSON.stringify(await bed.entries())).not.toMatch(/Grace|Hopper|grace@|1906|4025550100/);
  });
});

describe('auditEvents', () => {
  const actorId = randomUUID();
  const patientId = randomUUID();
  const prescriptionId = randomUUID();
  let correlationId: string;

  beforeAll(async () => {
    const actor = { userId: actorId, roles: ['DOCTOR' as const] };
    const reads = [0, 1, 2, 3, 4].map((n) =>
      aRecordRead(patientId, {
        actor,
        occurredAt: minute(10 + n),
        resourceIds: n === 2 ? [prescriptionId] : undefined,
      }),
    );
    const denied = aRecordRead(patientId, { actor, outcome: 'DENIED', occurredAt: minute(20) });
    correlationId = denied.event.correlationId;
    const issued = anEvent(
      'prescription-events',
      'PrescriptionIssued',
      { prescriptionId, patientId, doctorId: randomUUID(), appointmentId: null, issuedAt: minute(5).toISOString() },
      { actor, occurredAt: minute(5) },
    );
    // Delivered out of time order: lists follow when things happened, not when they were stored.
    await bed.deliverAll([...reads.reverse(), denied, issued]);
  });

  it('pages newest first, each page continuing where the last ended', async () => {
    const first = await events({ filter: { actorId }, first: 3 });
    expect(first.totalCount).toBe(7);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await events({ filter: { actorId }, first: 3, after: first.pageInfo.endCursor });
    const third = await events({ filter: { actorId }, first: 3, after: second.pageInfo.endCursor });
    expect(third.pageInfo).toEqual({ hasNextPage: false, endCursor: third.edges.at(-1)!.cursor });
    const times = [...first.edges, ...second.edges, ...third.edges].map((edge) => edge.node.occurredAt as Date);
    expect(times).toEqual([20, 14, 13, 12, 11, 10, 5].map(minute));
  });

  it('filters by patient, action, resource type and id, outcome, time range and correlation id', async () => {
    const count = async (filter: Record<string, unknown>) => (await events({ filter })).totalCount;
    expect(await count({ patientId })).toBe(7);
    expect(await count({ patientId, action: 'READ' })).toBe(6);
    expect(await count({ patientId, action: 'CREATE', resourceType: 'Prescription' })).toBe(1);
    expect(await count({ resourceId: prescriptionId })).toBe(2);
    expect(await count({ patientId, outcome: 'DENIED' })).toBe(1);
    expect(await count({ actorId, from: minute(11).toISOString(), to: minute(14).toISOString() })).toBe(3);
    expect(await count({ correlationId })).toBe(1);
    expect(await count({ actorId: randomUUID() })).toBe(0);
  });

  it('refuses a bad filter, page size or cursor with BAD_USER_INPUT', async () => {
    for (const variables of [
      { filter: { actorId: 'nobody' } },
      { filter: { from: minute(2).toISOString(), to: minute(1).toISOString() } },
      { first: 0 },
      { first: 101 },
      { after: 'not-a-cursor' },
    ]) {
      const result = await bed.execute(admin(), EVENTS, variables);
      expect(result.errors.map((error) => error.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('is for admins only', async () => {
    for (const principal of [doctorUser(), patientUser(patientId)]) {
      expect((await bed.execute(principal, EVENTS)).errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
    }
    expect((await bed.execute(null, EVENTS)).errors.map((error) => error.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('myRecordAccessLog', () => {
  it("shows a patient who read their record and who was refused, and nothing of anyone else's", async () => {
    const mine = randomUUID();
    const other = randomUUID();
    const doctor = { userId: randomUUID(), roles: ['DOCTOR' as const] };
    await bed.deliverAll([
      aRecordRead(mine, { actor: doctor, occurredAt: minute(30), resourceType: 'Patient', resourceIds: [mine] }),
      aRecordRead(mine, { actor: doctor, outcome: 'DENIED', occurredAt: minute(31) }),
      aRecordRead(other, { actor: doctor, occurredAt: minute(32) }),
      // A change of their record is not a read: it stays out of this list.
      anEvent('patient-events', 'PatientUpdated', { patientId: mine, active: true }, { occurredAt: minute(33) }),
    ]);
    const result = await bed.execute(patientUser(mine), MINE, { first: 1 });
    expect(result.errors).toEqual([]);
    const page = (result.data as { myRecordAccessLog: Page }).myRecordAccessLog;
    expect(page.totalCount).toBe(2);
    expect(page.edges.map((edge) => edge.node)).toEqual([
      {
        eventType: 'PatientRecordAccessed',
        actor: doctor,
        action: 'READ',
        resourceType: 'Prescription',
        resourceIds: [],
        patientId: mine,
        outcome: 'DENIED',
        occurredAt: minute(31),
      },
    ]);
    const next = await bed.execute(patientUser(mine), MINE, { after: page.pageInfo.endCursor });
    expect((next.data as { myRecordAccessLog: Page }).myRecordAccessLog.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ resourceType: 'Patient', resourceIds: [mine], outcome: 'SUCCESS' }),
    ]);
  });

  it('is empty for a patient account without a record, and refused to staff', async () => {
    const noRecord = { userId: randomUUID(), roles: ['PATIENT' as const] };
    const result = await bed.execute(noRecord, MINE);
    expect(result.data).toEqual({
      myRecordAccessLog: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
    });
    for (const principal of [admin(), doctorUser()]) {
      expect((await bed.execute(principal, MINE)).errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('auditChainStatus', () => {
  const STATUS =
    '{ auditChainStatus { valid length checkedAt firstBrokenPosition reason anchorPosition headPosition headHash } }';

  it('reports an intact chain to admins, and where it breaks once tampered with', async () => {
    bed.setNow(minute(60));
    const intact = await bed.execute(admin(), STATUS);
    const entries = await bed.entries();
    expect(intact.data).toEqual({
      auditChainStatus: {
        valid: true,
        length: entries.length,
        checkedAt: minute(60),
        firstBrokenPosition: null,
        reason: null,
        anchorPosition: 0,
        headPosition: entries.length,
        headHash: entries.at(-1)!.hash,
      },
    });
    await bed.sql(`update "audit"."audit_event" set "patient_id" = ? where "position" = 3`, [randomUUID()]);
    const broken = await bed.execute(admin(), STATUS);
    expect(broken.data).toMatchObject({
      auditChainStatus: { valid: false, length: 2, firstBrokenPosition: 3, reason: 'HASH_MISMATCH' },
    });
    expect((await bed.execute(patientUser(randomUUID()), STATUS)).errors.map((error) => error.code)).toEqual([
      'FORBIDDEN',
    ]);
  });
});
