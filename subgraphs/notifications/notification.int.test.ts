/**
 * Notifications as events create them and as their recipients and admins use them, on a real database (PostgreSQL
 * when configured), through the subgraph's own consumers and its GraphQL schema (access policy enforced): who is
 * told what on which channel, the directory they are named from, the feed and its pages, reading one's own (and
 * nobody else's), marking read, and editing templates. Email and SMS are off here: only in-app notifications exist.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import { createEnvelope } from '../../platform/events/envelope.ts';
import { DoctorContact, NotificationTemplate, PatientContact } from './notification.entity.ts';
import {
  aContact,
  admin,
  anAppointment,
  appointmentEvent,
  billIssuedEvent,
  doctorEvent,
  doctorUser,
  knownPeople,
  NOW,
  openNotificationsTestBed,
  patientEvent,
  patientUser,
  type NotificationsTestBed,
} from './notifications.fixtures.ts';
import { DEFAULT_TEMPLATES } from './template.rules.ts';

let bed: NotificationsTestBed;

beforeAll(async () => {
  bed = await openNotificationsTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const FEED = `query($unreadOnly: Boolean, $first: Int, $after: String) {
  myNotifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount
    edges { cursor node { id eventType channel message readAt recipient { kind id address } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ONE = 'query($id: ID!) { notification(id: $id) { id eventType status message metadata readAt } }';
const MARK = 'mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }';
const UPDATE = `mutation($input: UpdateNotificationTemplateInput!) {
  updateNotificationTemplate(input: $input) { eventType channel audience subject body enabled variables }
}`;

interface FeedPage {
  totalCount: number;
  edges: { cursor: string; node: { id: string; eventType: string; message: string; readAt: string | null } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const feedOf = async (principal: ReturnType<typeof patientUser>, variables: Record<string, unknown> = {}) => {
  const result = await bed.execute(principal, FEED, variables);
  expect(result.errors).toEqual([]);
  return (result.data as { myNotifications: FeedPage }).myNotifications;
};

describe('events become notifications', () => {
  it('tells the patient and the doctor of a booking in-app, by name and time, with one NotificationCreated each', async () => {
    const people = await knownPeople(bed, { email: 'ada@example.org', phone: '+14025554567' });
    const appointment = anAppointment(people);
    const booked = appointmentEvent('AppointmentBooked', appointment, 'PENDING');
    expect(await bed.deliver('appointment-events', booked)).toBe('handled');

    const [patientNote, ...morePatient] = await bed.notifications({ recipientId: people.patientId });
    const [doctorNote, ...moreDoctor] = await bed.notifications({ recipientId: people.doctorId });
    // Email and SMS are not configured: the address and phone of the patient are not used.
    expect([morePatient, moreDoctor]).toEqual([[], []]);
    expect(patientNote).toMatchObject({
      eventType: 'APPOINTMENT_BOOKED',
      channel: 'IN_APP',
      audience: 'PATIENT',
      status: 'SENT',
      sentAt: NOW,
      address: null,
      message:
        "Your appointment with Grace Hopper on Wednesday 4 March 2026, 08:00 UTC is booked and awaits the doctor's confirmation.",
      metadata: {
        appointmentId: appointment.appointmentId,
        patientId: people.patientId,
        doctorId: people.doctorId,
        startsAt: appointment.startsAt,
        sourceEventType: 'AppointmentBooked',
      },
      sourceEventId: booked.id,
      correlationId: booked.correlationId,
    });
    expect(doctorNote).toMatchObject({
      audience: 'PRACTITIONER',
      message:
        'Ada Lovelace booked an appointment with you on Wednesday 4 March 2026, 08:00 UTC. Please accept or decline it.',
    });

    const created = (await bed.outbox('NotificationCreated')).filter((event) =>
      [patientNote!.id, doctorNote!.id].includes(event.aggregateId),
    );
    expect(created.map((event) => [event.aggregateId, event.payload, event.correlationId])).toEqual([
      [
        patientNote!.id,
        {
          notificationId: patientNote!.id,
          eventType: 'APPOINTMENT_BOOKED',
          channel: 'IN_APP',
          recipient: { kind: 'PATIENT', id: people.patientId },
          createdAt: NOW.toISOString(),
        },
        booked.correlationId,
      ],
      [
        doctorNote!.id,
        {
          notificationId: doctorNote!.id,
          eventType: 'APPOINTMENT_BOOKED',
          channel: 'IN_APP',
          recipient: { kind: 'PRACTITIONER', id: people.doctorId },
          createdAt: NOW.toISOString(),
        },
        booked.correlationId,
      ],
    ]);
  });

  it.each([
    ['AppointmentConfirmed', 'CONFIRMED', {}, ['PATIENT'], 'Grace Hopper confirmed your appointment on'],
    ['AppointmentRejected', 'REJECTED', { reason: 'On leave' }, ['PATIENT'], 'cannot see you on'],
    [
      'AppointmentRescheduled',
      'PENDING',
      { previousStartsAt: '2026-03-03T10:00:00.000Z' },
      ['PATIENT', 'PRACTITIONER'],
      'moved from Tuesday 3 March 2026, 10:00 UTC to Wednesday 4 March 2026, 08:00 UTC',
    ],
    [
      'AppointmentCancelled',
      'CANCELLED',
      { feeOwed: { amount: 4_000, currency: 'USD' }, band: 'LATE', reason: null, cancelledAt: NOW.toISOString() },
      ['PATIENT', 'PRACTITIONER'],
      'is cancelled',
    ],
  ] as const)('tells the right people of %s', async (type, status, extra, audiences, text) => {
    const people = await knownPeople(bed);
    expect(
      await bed.deliver('appointment-events', appointmentEvent(type, anAppointment(people), status, { extra })),
    ).toBe('handled');
    const rows = [
      ...(await bed.notifications({ recipientId: people.patientId })),
      ...(await bed.notifications({ recipientId: people.doctorId })),
    ];
    expect(rows.map((row) => row.audience)).toEqual(audiences);
    expect(rows[0]!.message).toContain(text);
    if (type === 'AppointmentRejected') expect(rows[0]!.message).toContain('(On leave)');
    if (type === 'AppointmentCancelled') expect(rows[0]!.message).toContain('Cancellation fee: $40.00.');
  });

  it('says nothing of imported history, nor of appointments that have started already', async () => {
    const people = await knownPeople(bed);
    const appointment = anAppointment(people);
    expect(
      await bed.deliver(
        'appointment-events',
        appointmentEvent('AppointmentBooked', appointment, 'PENDING', { imported: true }),
      ),
    ).toBe('handled');
    expect(
      await bed.deliver('appointment-events', appointmentEvent('AppointmentImported', appointment, 'COMPLETED')),
    ).toBe('ignored');
    const past = { ...anAppointment(people), startsAt: new Date(NOW.getTime() - 60_000).toISOString() };
    expect(
      await bed.deliver(
        'appointment-events',
        appointmentEvent('AppointmentCancelled', past, 'CANCELLED', {
          extra: { feeOwed: { amount: 0, currency: 'USD' } },
        }),
      ),
    ).toBe('handled');
    expect(await bed.notifications({ recipientId: people.patientId })).toEqual([]);
  });

  it('writes bills and payments in money of the bill, and prescriptions with the doctor’s name', async () => {
    const people = await knownPeople(bed);
    await bed.deliver('billing-events', billIssuedEvent(people.patientId, 8_810, 'B-2026-000007'));
    const payment = (type: string, extra: Record<string, unknown> = {}) =>
      createEnvelope({
        type,
        aggregateId: newId(),
        actor: { userId: null, roles: [] },
        correlationId: 'payment',
        occurredAt: NOW,
        payload: {
          paymentId: newId(),
          billId: newId(),
          patientId: people.patientId,
          amount: { amount: 8_810, currency: 'USD' },
          method: 'CARD',
          reference: 'PAY-ABCDEFGHIJKLMNOP',
          status: 'SUCCEEDED',
          ledger: { total: 8_810, amountPaid: 8_810, amountRefunded: 0, sequence: 1 },
          ...extra,
        },
      });
    await bed.deliver('payment-events', payment('PaymentSucceeded'));
    await bed.deliver(
      'payment-events',
      payment('PaymentFailed', { status: 'FAILED', failureMessage: 'Card declined.' }),
    );
    await bed.deliver(
      'prescription-events',
      createEnvelope({
        type: 'PrescriptionIssued',
        aggregateId: people.patientId,
        actor: { userId: null, roles: [] },
        correlationId: 'rx',
        occurredAt: NOW,
        payload: {
          prescriptionId: newId(),
          patientId: people.patientId,
          doctorId: people.doctorId,
          appointmentId: newId(),
          medicineId: null,
          issuedAt: NOW.toISOString(),
          identifier: null,
        },
      }),
    );
    const messages = (await bed.notifications({ recipientId: people.patientId })).map((row) => [
      row.eventType,
      row.message,
    ]);
    expect(messages).toEqual(
      expect.arrayContaining([
        ['BILL_ISSUED', 'Bill B-2026-000007 of $88.10 has been issued to you.'],
        ['PAYMENT_SUCCEEDED', 'We received your payment of $88.10 (card, reference PAY-ABCDEFGHIJKLMNOP). Thank you.'],
        [
          'PAYMENT_FAILED',
          'Your payment of $88.10 (card, reference PAY-ABCDEFGHIJKLMNOP) did not go through: Card declined.',
        ],
        [
          'PRESCRIPTION_ISSUED',
          'Grace Hopper issued you a prescription on Monday 2 March 2026, 08:00 UTC. Sign in to read it.',
        ],
      ]),
    );
    expect(messages).toHaveLength(4);
  });

  it('waits for the directory: an event naming a patient it does not know is retried, not sent without a name', async () => {
    const patientId = newId();
    const { doctorId } = await knownPeople(bed);
    const booked = appointmentEvent('AppointmentBooked', anAppointment({ patientId, doctorId }), 'PENDING');
    expect(await bed.deliver('appointment-events', booked)).toBe('dead-lettered');
    expect(await bed.notifications({ recipientId: patientId })).toEqual([]);
    expect(await bed.notifications({ recipientId: doctorId })).toEqual([]);

    // Once the patient is known, the same event (replayed from the dead-letter topic) goes through.
    await bed.deliver('patient-events', patientEvent(patientId, aContact({ givenName: 'Late' })));
    expect(await bed.deliver('appointment-events', booked)).toBe('handled');
    expect((await bed.notifications({ recipientId: doctorId }))[0]!.message).toMatch(/^Late Lovelace booked/);
  });

  it('keeps the newest name and contact points in the directory, whatever order events arrive in', async () => {
    const patientId = newId();
    const later = new Date(NOW.getTime() + 60_000);
    await bed.deliver(
      'patient-events',
      patientEvent(patientId, aContact({ email: 'new@example.org' }), { type: 'PatientUpdated', occurredAt: later }),
    );
    await bed.deliver('patient-events', patientEvent(patientId, aContact({ email: 'old@example.org' })));
    // An event from before contact points were published moves only `active`, and only when newer.
    await bed.deliver('patient-events', patientEvent(patientId, undefined, { type: 'PatientArchived', active: false }));
    expect(await bed.orm.em.fork().findOneOrFail(PatientContact, { patientId })).toMatchObject({
      email: 'new@example.org',
      active: true,
      asOf: later,
    });

    const doctorId = newId();
    await bed.deliver('doctor-events', doctorEvent(doctorId, aContact({ givenName: 'Grace' })));
    await bed.deliver(
      'doctor-events',
      doctorEvent(doctorId, aContact({ givenName: 'Grace', phone: '+14025550000' }), {
        type: 'DoctorUpdated',
        occurredAt: later,
      }),
    );
    expect(await bed.orm.em.fork().findOneOrFail(DoctorContact, { doctorId })).toMatchObject({ phone: '+14025550000' });
  });

  it('tells an archived patient nothing', async () => {
    const people = await knownPeople(bed);
    await bed.deliver(
      'patient-events',
      patientEvent(people.patientId, aContact(), {
        type: 'PatientArchived',
        active: false,
        occurredAt: new Date(NOW.getTime() + 1),
      }),
    );
    await bed.deliver('billing-events', billIssuedEvent(people.patientId, 1_000));
    expect(await bed.notifications({ recipientId: people.patientId })).toEqual([]);
  });
});

describe('the feed', () => {
  it('pages the caller’s in-app notifications newest first, and leaves out read ones with unreadOnly', async () => {
    const people = await knownPeople(bed);
    for (let index = 0; index < 5; index++) {
      bed.setNow(new Date(NOW.getTime() + index * 1_000));
      await bed.deliver('billing-events', billIssuedEvent(people.patientId, 100 + index, `B-2026-00010${index}`));
    }
    bed.setNow(NOW);
    const me = patientUser(people.patientId);

    const first = await feedOf(me, { first: 2 });
    expect(first.totalCount).toBe(5);
    expect(first.edges.map((edge) => edge.node.message)).toEqual([
      'Bill B-2026-000104 of $1.04 has been issued to you.',
      'Bill B-2026-000103 of $1.03 has been issued to you.',
    ]);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[1]!.cursor });
    const second = await feedOf(me, { first: 2, after: first.pageInfo.endCursor });
    const third = await feedOf(me, { first: 2, after: second.pageInfo.endCursor });
    expect([...second.edges, ...third.edges].map((edge) => edge.node.message.slice(5, 18))).toEqual([
      'B-2026-000102',
      'B-2026-000101',
      'B-2026-000100',
    ]);
    expect(third.pageInfo.hasNextPage).toBe(false);

    await bed.execute(me, MARK, { id: first.edges[0]!.node.id });
    await bed.execute(me, MARK, { id: third.edges[0]!.node.id });
    const unread = await feedOf(me, { unreadOnly: true });
    expect(unread.totalCount).toBe(3);
    expect(unread.edges.map((edge) => edge.node.message.slice(5, 18))).toEqual([
      'B-2026-000103',
      'B-2026-000102',
      'B-2026-000101',
    ]);
    expect((await feedOf(me)).totalCount).toBe(5);
    // Another patient's feed is their own.
    expect((await feedOf(patientUser(newId()))).totalCount).toBe(0);
  });

  it('refuses a page size outside 1–100 and a cursor it did not make', async () => {
    const me = patientUser(newId());
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'bm90IGEgY3Vyc29y' }]) {
      expect((await bed.execute(me, FEED, variables)).errors.map((error) => error.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('shows the caller’s own notification of any channel, and null for someone else’s, by every path', async () => {
    const people = await knownPeople(bed);
    await bed.deliver('appointment-events', appointmentEvent('AppointmentBooked', anAppointment(people), 'PENDING'));
    const [mine] = await bed.notifications({ recipientId: people.patientId });
    const [doctors] = await bed.notifications({ recipientId: people.doctorId });

    const own = await bed.execute(patientUser(people.patientId), ONE, { id: mine!.id });
    expect(own).toEqual({
      data: {
        notification: expect.objectContaining({ id: mine!.id, status: 'SENT', eventType: 'APPOINTMENT_BOOKED' }),
      },
      errors: [],
    });
    expect((await bed.execute(doctorUser(people.doctorId), ONE, { id: doctors!.id })).data).toMatchObject({
      notification: { id: doctors!.id },
    });
    for (const [principal, id] of [
      [patientUser(newId()), mine!.id],
      [doctorUser(people.doctorId), mine!.id],
      [patientUser(people.patientId), doctors!.id],
      [admin(), mine!.id],
      [patientUser(people.patientId), newId()],
      [patientUser(people.patientId), 'not-an-id'],
    ] as const) {
      expect(await bed.execute(principal, ONE, { id })).toEqual({ data: { notification: null }, errors: [] });
    }
    const entities = await bed.execute(
      patientUser(newId()),
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Notification { id message } } }',
      { r: [{ __typename: 'Notification', id: mine!.id }] },
    );
    expect(entities).toEqual({ data: { _entities: [null] }, errors: [] });
    expect((await bed.execute(null, ONE, { id: mine!.id })).errors.map((error) => error.code)).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it('marks read once (readAt stays that of the first time) and refuses someone else’s with NOT_FOUND', async () => {
    const people = await knownPeople(bed);
    await bed.deliver('billing-events', billIssuedEvent(people.patientId, 500));
    const [row] = await bed.notifications({ recipientId: people.patientId });
    const me = patientUser(people.patientId);

    const stranger = await bed.execute(patientUser(newId()), MARK, { id: row!.id });
    expect(stranger).toEqual({
      data: null,
      errors: [{ message: `Notification ${row!.id} was not found.`, code: 'NOT_FOUND' }],
    });
    expect((await bed.notifications({ recipientId: people.patientId }))[0]!.readAt ?? null).toBeNull();

    bed.setNow(new Date(NOW.getTime() + 5_000));
    expect((await bed.execute(me, MARK, { id: row!.id })).data).toEqual({
      markNotificationRead: { id: row!.id, readAt: new Date(NOW.getTime() + 5_000) },
    });
    bed.setNow(new Date(NOW.getTime() + 9_000));
    expect((await bed.execute(me, MARK, { id: row!.id })).data).toEqual({
      markNotificationRead: { id: row!.id, readAt: new Date(NOW.getTime() + 5_000) },
    });
    bed.setNow(NOW);
  });
});

describe('templates', () => {
  const smsBooked = { eventType: 'APPOINTMENT_BOOKED', channel: 'SMS', audience: 'PATIENT' };
  const stored = (key: Record<string, string>) => bed.orm.em.fork().findOneOrFail(NotificationTemplate, key);

  it('lists every template with its variables for admins, filtered, and for nobody else', async () => {
    const all = await bed.execute(admin(), '{ notificationTemplates { eventType channel audience variables } }');
    const templates = (all.data as { notificationTemplates: { eventType: string; variables: string[] }[] })
      .notificationTemplates;
    expect(templates).toHaveLength(DEFAULT_TEMPLATES.length);
    expect(DEFAULT_TEMPLATES).toHaveLength(40);
    const filtered = await bed.execute(
      admin(),
      '{ notificationTemplates(eventType: PASSWORD_RESET) { channel audience subject variables } }',
    );
    expect(filtered.data).toEqual({
      notificationTemplates: [
        {
          channel: 'EMAIL',
          audience: 'USER',
          subject: 'Reset your HMS password',
          variables: ['email', 'resetToken', 'expiresAt'],
        },
      ],
    });
    const refused = await bed.execute(patientUser(newId()), '{ notificationTemplates { body } }');
    expect(refused.errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
  });

  it.each([
    [
      'an unknown variable',
      { ...smsBooked, body: 'Hi {{patientName}}, pay {{billNumber}}' },
      /no variable "billNumber"/,
    ],
    ['a syntax error', { ...smsBooked, body: 'Hi {{patientName' }, /template syntax error/],
    ['a section', { ...smsBooked, body: '{{#patientName}}x{{/patientName}}' }, /sections/],
    [
      'an SMS that can run past 480 characters',
      { ...smsBooked, body: `${'x'.repeat(440)} {{patientName}}` },
      /at most 480/,
    ],
    ['an EMAIL without a subject', { ...smsBooked, channel: 'EMAIL', body: 'Hi' }, /needs a subject/],
    ['a subject on an SMS', { ...smsBooked, subject: 'Hi', body: 'Hi' }, /only EMAIL templates have a subject/],
    ['an empty body', { ...smsBooked, body: '  ' }, /must not be empty/],
    [
      'a channel the event type has no template for',
      { eventType: 'PASSWORD_RESET', channel: 'SMS', audience: 'USER', body: 'x' },
      /no SMS template for USER/,
    ],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_case, input, message) => {
    const snapshot = async () =>
      (await bed.orm.em.fork().find(NotificationTemplate, {}, { orderBy: { id: 'asc' } })).map((template) => [
        template.id,
        template.subject,
        template.body,
        template.enabled,
        template.version,
      ]);
    const before = await snapshot();
    const eventsBefore = (await bed.outbox('NotificationTemplateUpdated')).length;
    const result = await bed.execute(admin(), UPDATE, { input });
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([{ message: expect.stringMatching(message), code: 'BAD_USER_INPUT' }]);
    expect(await snapshot()).toEqual(before);
    expect(await bed.outbox('NotificationTemplateUpdated')).toHaveLength(eventsBefore);
  });

  it('uses an admin’s edit for the next message, announces it, and never lets a restart seed over it', async () => {
    const key = { eventType: 'BILL_ISSUED', channel: 'IN_APP', audience: 'PATIENT' };
    const editor = admin();
    const result = await bed.execute(editor, UPDATE, {
      input: { ...key, body: 'New bill {{billNumber}}: {{amount}}, {{patientName}}.' },
    });
    expect(result).toEqual({
      data: {
        updateNotificationTemplate: {
          ...key,
          subject: null,
          body: 'New bill {{billNumber}}: {{amount}}, {{patientName}}.',
          enabled: true,
          variables: ['patientName', 'billNumber', 'amount'],
        },
      },
      errors: [],
    });
    const template = await stored(key);
    expect(template.updatedBy).toBe(editor.userId);
    const [announced] = (await bed.outbox('NotificationTemplateUpdated')).filter(
      (event) => event.aggregateId === template.id,
    );
    expect(announced!.payload).toEqual({ templateId: template.id, ...key, enabled: true, version: template.version });

    const people = await knownPeople(bed);
    await bed.deliver('billing-events', billIssuedEvent(people.patientId, 1_234, 'B-2026-000999'));
    expect((await bed.notifications({ recipientId: people.patientId }))[0]!.message).toBe(
      'New bill B-2026-000999: $12.34, Ada Lovelace.',
    );

    await bed.restart();
    expect((await stored(key)).body).toBe('New bill {{billNumber}}: {{amount}}, {{patientName}}.');
  });

  it('sends nothing on a channel whose template an admin disabled', async () => {
    const key = { eventType: 'PAYMENT_SUCCEEDED', channel: 'IN_APP', audience: 'PATIENT' };
    const body = (await stored(key)).body;
    await bed.execute(admin(), UPDATE, { input: { ...key, body, enabled: false } });
    const people = await knownPeople(bed);
    await bed.deliver(
      'payment-events',
      createEnvelope({
        type: 'PaymentSucceeded',
        aggregateId: newId(),
        actor: { userId: null, roles: [] },
        correlationId: 'payment',
        occurredAt: NOW,
        payload: {
          paymentId: newId(),
          billId: newId(),
          patientId: people.patientId,
          amount: { amount: 100, currency: 'USD' },
          method: 'CASH',
          reference: 'PAY-X',
        },
      }),
    );
    expect(await bed.notifications({ recipientId: people.patientId })).toEqual([]);
    await bed.execute(admin(), UPDATE, { input: { ...key, body, enabled: true } });
  });

  it('lets only admins edit templates', async () => {
    const result = await bed.execute(doctorUser(newId()), UPDATE, {
      input: { eventType: 'BILL_ISSUED', channel: 'IN_APP', audience: 'PATIENT', body: 'x' },
    });
    expect(result.errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
  });
});
