/**
 * Email and SMS delivery on a real database (PostgreSQL when configured), to real receivers on loopback: an SMTP
 * server and an HTTP SMS gateway. What each receives (rendered text, subject, Message-ID, bearer token), how a
 * failing channel backs off and ends FAILED while the other channels of the same event are sent, permanent refusals,
 * redelivered events, a crashed dispatcher's lease, and the reset token redacted once delivered.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../platform/db/base.entity.ts';
import { eventually } from '../../platform/testing/graph.ts';
import { startSmsReceiver, startSmtpSink, type SmsReceiver, type SmtpSink } from './delivery.fixtures.ts';
import { NotificationRepository } from './notification.repository.ts';
import {
  anAppointment,
  appointmentEvent,
  knownPeople,
  NOW,
  openNotificationsTestBed,
  passwordResetEvent,
  testSettings,
  type NotificationsTestBed,
} from './notifications.fixtures.ts';
import { REDACTED } from './notification.rules.ts';

let bed: NotificationsTestBed;
let smtp: SmtpSink;
let sms: SmsReceiver;

beforeAll(async () => {
  [smtp, sms] = await Promise.all([startSmtpSink(), startSmsReceiver()]);
  bed = await openNotificationsTestBed(
    testSettings(
      {
        HMS_SMTP_URL: smtp.url,
        HMS_EMAIL_FROM: 'Hospital <no-reply@hospital.example>',
        HMS_SMS_URL: sms.url,
        HMS_SMS_TOKEN: 'sms-gateway-token',
      },
      // A long pause between rounds: a started dispatcher that delivers at once was nudged by the commit.
      { dispatchIntervalMs: 60_000 },
    ),
  );
});
afterEach(() => {
  smtp.rejectWith(null);
  sms.answerWith(200);
  bed.setNow(NOW);
});
afterAll(async () => {
  await bed?.close();
  await Promise.all([smtp?.close(), sms?.close()]);
});

const ADA = { email: 'ada@example.org', phone: '+14025554567' };

/** A patient with email and phone, and a doctor without either, whose appointment was just booked. */
async function aBooking() {
  const people = await knownPeople(bed, { ...ADA, email: `ada.${newId().slice(-8)}@example.org` });
  const appointment = anAppointment(people);
  expect(await bed.deliver('appointment-events', appointmentEvent('AppointmentBooked', appointment, 'PENDING'))).toBe(
    'handled',
  );
  const rows = await bed.notifications({ recipientId: people.patientId });
  const byChannel = Object.fromEntries(rows.map((row) => [row.channel, row]));
  return { ...people, appointment, email: byChannel.EMAIL!, sms: byChannel.SMS!, inApp: byChannel.IN_APP! };
}

const reload = async (id: string) => (await bed.notifications()).find((row) => row.id === id)!;
const mailTo = (address: string) =>
  smtp.received.filter((mail) => mail.to && JSON.stringify(mail.to).includes(address));
const smsOf = (reference: string) => sms.received.filter((message) => message.reference === reference);

describe('delivery', () => {
  it('sends the rendered email to the SMTP server with its subject and a Message-ID from the notification id', async () => {
    const booking = await aBooking();
    expect(booking.email).toMatchObject({ status: 'PENDING', attempts: 0, nextAttemptAt: NOW });

    expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 2, sent: 2, retried: 0, failed: 0 });

    const [mail, ...others] = mailTo(booking.email.address!);
    expect(others).toEqual([]);
    expect(mail!.subject).toBe('Your appointment with Grace Hopper is booked');
    expect(mail!.text?.trim()).toBe(
      'Hello Ada Lovelace,\n\nYour appointment with Grace Hopper on Wednesday 4 March 2026, 08:00 UTC is booked and ' +
        "awaits the doctor's confirmation.\n\nHMS",
    );
    expect(mail!.text?.trim()).toBe(booking.email.message);
    expect(mail!.messageId).toBe(`<${booking.email.id}@hospital.example>`);
    expect(mail!.from?.value).toEqual([{ name: 'Hospital', address: 'no-reply@hospital.example' }]);
    expect(await reload(booking.email.id)).toMatchObject({
      status: 'SENT',
      attempts: 1,
      sentAt: NOW,
      nextAttemptAt: null,
      lastError: null,
    });
  });

  it('posts the rendered SMS to the gateway with its bearer token', async () => {
    const booking = await aBooking();
    await bed.dispatcher.runOnce();

    expect(smsOf(booking.sms.id)).toEqual([
      {
        to: ADA.phone,
        body: "HMS: Your appointment with Grace Hopper on Wednesday 4 March 2026, 08:00 UTC is booked and awaits the doctor's confirmation.",
        reference: booking.sms.id,
        headers: expect.objectContaining({ authorization: 'Bearer sms-gateway-token' }),
      },
    ]);
    expect(await reload(booking.sms.id)).toMatchObject({ status: 'SENT', attempts: 1, sentAt: NOW });
    const sent = (await bed.outbox('NotificationSent')).filter((event) => event.aggregateId === booking.sms.id);
    expect(sent.map((event) => event.payload)).toEqual([
      { notificationId: booking.sms.id, channel: 'SMS', attempts: 1, at: NOW.toISOString() },
    ]);
  });

  it.each([
    ['EMAIL', 'SMTP server answering 451', () => smtp.rejectWith(451), /451/],
    ['SMS', 'SMS gateway answering 503', () => sms.answerWith(503), /HTTP 503/],
  ] as const)(
    'retries %s with backoff while the %s, then ends FAILED after maxAttempts; the other channels are sent',
    async (failing, _description, breakIt, error) => {
      breakIt();
      const booking = await aBooking();
      const row = failing === 'EMAIL' ? booking.email : booking.sms;
      const other = failing === 'EMAIL' ? booking.sms : booking.email;

      await bed.dispatcher.runOnce();
      expect(await reload(other.id)).toMatchObject({ status: 'SENT', attempts: 1 });
      // Backoff: 20 ms after the first failure, then 40 ms (retryBaseMs 20, doubling).
      expect(await reload(row.id)).toMatchObject({
        status: 'PENDING',
        attempts: 1,
        nextAttemptAt: new Date(NOW.getTime() + 20),
        lastError: expect.stringMatching(error),
      });
      expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 0 });

      bed.setNow(new Date(NOW.getTime() + 20));
      expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
      expect(await reload(row.id)).toMatchObject({ attempts: 2, nextAttemptAt: new Date(NOW.getTime() + 60) });

      bed.setNow(new Date(NOW.getTime() + 60));
      expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      const failed = await reload(row.id);
      expect(failed).toMatchObject({ status: 'FAILED', attempts: 3, nextAttemptAt: null, sentAt: null });
      expect(failed.lastError).toMatch(error);
      expect(failed.lastError).not.toContain(row.address);

      bed.setNow(new Date(NOW.getTime() + 60_000));
      expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 0 });
      const failedEvents = (await bed.outbox('NotificationFailed')).filter((event) => event.aggregateId === row.id);
      expect(failedEvents.map((event) => event.payload)).toEqual([
        { notificationId: row.id, channel: failing, attempts: 3, at: new Date(NOW.getTime() + 60).toISOString() },
      ]);
      expect(await reload(other.id)).toMatchObject({ status: 'SENT', attempts: 1 });
      expect(await reload(booking.inApp.id)).toMatchObject({ status: 'SENT', attempts: 0 });
    },
  );

  it('fails an SMS at once when the gateway refuses it with a 4xx, and never tries it again', async () => {
    sms.answerWith(400);
    const booking = await aBooking();
    const requestsBefore = sms.requests();

    expect(await bed.dispatcher.runOnce()).toMatchObject({ sent: 1, failed: 1 });
    expect(await reload(booking.sms.id)).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      lastError: 'PermanentDeliveryError: the SMS gateway refused the message (HTTP 400)',
    });
    expect(await reload(booking.email.id)).toMatchObject({ status: 'SENT' });

    bed.setNow(new Date(NOW.getTime() + 3_600_000));
    await bed.dispatcher.runOnce();
    expect(sms.requests()).toBe(requestsBefore + 1);
  });

  it('fails an email at once when the SMTP server refuses the mailbox with a 5xx', async () => {
    smtp.rejectWith(550);
    const booking = await aBooking();
    await bed.dispatcher.runOnce();
    expect(await reload(booking.email.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(await reload(booking.sms.id)).toMatchObject({ status: 'SENT' });
  });

  it('sends one email and one SMS for an event delivered twice, even to a consumer that lost track of it', async () => {
    const people = await knownPeople(bed, { ...ADA, email: 'twice@example.org' });
    const event = appointmentEvent('AppointmentConfirmed', anAppointment(people), 'CONFIRMED');
    expect(await bed.deliver('appointment-events', event)).toBe('handled');
    expect(await bed.deliver('appointment-events', structuredClone(event))).toBe('duplicate');
    // Past the consumer's own record of handled events, the notifications' unique keys still hold.
    expect(await bed.replayConsumer('appointment-events').handle('appointment-events', event)).toBe('handled');

    const rows = await bed.notifications({ recipientId: people.patientId });
    expect(rows.map((row) => row.channel).sort()).toEqual(['EMAIL', 'IN_APP', 'SMS']);
    const created = (await bed.outbox('NotificationCreated')).filter((created) =>
      rows.some((row) => row.id === created.aggregateId),
    );
    expect(created).toHaveLength(3);

    await bed.dispatcher.runOnce();
    await bed.dispatcher.runOnce();
    expect(mailTo('twice@example.org')).toHaveLength(1);
    expect(smsOf(rows.find((row) => row.channel === 'SMS')!.id)).toHaveLength(1);
  });

  it('never sends one row twice when two dispatchers run at once', async () => {
    const people = await knownPeople(bed, { ...ADA, email: 'race@example.org' });
    await bed.deliver('appointment-events', appointmentEvent('AppointmentBooked', anAppointment(people), 'PENDING'));
    const other = bed.restartWorkers().dispatcher;

    const rounds = await Promise.all([bed.dispatcher.runOnce(), other.runOnce()]);

    expect(rounds.reduce((sum, round) => sum + round.sent, 0)).toBe(2);
    expect(mailTo('race@example.org')).toHaveLength(1);
    const rows = await bed.notifications({ recipientId: people.patientId });
    expect(rows.every((row) => row.status === 'SENT' && row.attempts <= 1)).toBe(true);
  });

  it("sends a crashed dispatcher's claimed row again once its lease has run out, with the same Message-ID", async () => {
    const booking = await aBooking();
    // A dispatcher claims both rows and dies before sending them.
    const claimed = await new NotificationRepository(bed.orm.em.fork()).claimDue(
      NOW,
      new Date(NOW.getTime() + 300_000),
      10,
    );
    expect(claimed.sort()).toEqual([booking.email.id, booking.sms.id].sort());
    expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 0 });

    bed.setNow(new Date(NOW.getTime() + 300_000));
    expect(await bed.dispatcher.runOnce()).toMatchObject({ claimed: 2, sent: 2 });
    expect(await reload(booking.email.id)).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(mailTo(booking.email.address!).map((mail) => mail.messageId)).toEqual([
      `<${booking.email.id}@hospital.example>`,
    ]);
  });

  it('delivers as soon as the event is committed when the dispatcher runs, without waiting for its next round', async () => {
    bed.dispatcher.start();
    try {
      // Let the first round (at start) pass, so that only a nudge can deliver what comes next.
      await bed.dispatcher.runOnce();
      const booking = await aBooking();
      await eventually(async () => (await reload(booking.email.id)).status === 'SENT', 5_000);
      await eventually(async () => (await reload(booking.sms.id)).status === 'SENT', 5_000);
      expect(mailTo(booking.email.address!)).toHaveLength(1);
    } finally {
      await bed.dispatcher.stop();
    }
  });

  it('emails the password reset token to the account holder, then redacts it from the stored notification', async () => {
    const userId = newId();
    const token = `reset-${newId()}`;
    expect(await bed.deliver('identity-events', passwordResetEvent(userId, 'holder@example.org', token))).toBe(
      'handled',
    );
    const [pending, ...others] = await bed.notifications({ recipientId: userId });
    expect(others).toEqual([]);
    expect(pending).toMatchObject({ channel: 'EMAIL', audience: 'USER', status: 'PENDING' });
    expect(pending!.message).toContain(token);

    await bed.dispatcher.runOnce();

    const [mail] = mailTo('holder@example.org');
    expect(mail!.subject).toBe('Reset your HMS password');
    expect(mail!.text).toContain(`Your reset code: ${token}`);
    const sent = await reload(pending!.id);
    expect(sent.status).toBe('SENT');
    expect(sent.message).toContain(`Your reset code: ${REDACTED}`);
    expect(JSON.stringify([sent.message, sent.subject, sent.metadata])).not.toContain(token);
    expect(sent.metadata).toMatchObject({ userId, resetToken: REDACTED });
    // Nothing this subgraph published carries the token either.
    expect(JSON.stringify(await bed.outbox())).not.toContain(token);
  });
});
