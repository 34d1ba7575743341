/**
 * Appointment reminders 24 hours ahead (SPEC §7), on a real database (PostgreSQL when configured), with the
 * subgraph's clock set by the test: raised once at the right time, never again by another round, a restarted
 * worker or a racing replica; once more for a rescheduled appointment; never for a cancelled one or one booked at
 * short notice.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  anAppointment,
  appointmentEvent,
  knownPeople,
  NOW,
  openNotificationsTestBed,
  type AppointmentFacts,
  type NotificationsTestBed,
} from './notifications.fixtures.ts';

let bed: NotificationsTestBed;

beforeAll(async () => {
  bed = await openNotificationsTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const HOUR = 60 * 60 * 1000;
const at = (instant: string | Date, offsetMs: number) => new Date(new Date(instant).getTime() + offsetMs);

/** An appointment booked at `NOW` (or `bookedAt`), starting `hoursAhead` hours after `NOW`. */
async function aBookedAppointment(hoursAhead: number, bookedAt = NOW): Promise<AppointmentFacts> {
  const appointment = anAppointment(await knownPeople(bed), hoursAhead);
  bed.setNow(bookedAt);
  await bed.deliver(
    'appointment-events',
    appointmentEvent('AppointmentBooked', appointment, 'PENDING', { occurredAt: bookedAt }),
  );
  return appointment;
}

const remindersOf = (appointment: AppointmentFacts) =>
  bed.notifications({ recipientId: appointment.patientId, eventType: 'APPOINTMENT_REMINDER' });

/** A reminder round at `instant` (alone: other tests' appointments are not due then, or reminded already). */
async function roundAt(instant: Date) {
  bed.setNow(instant);
  return bed.reminders.runOnce();
}

describe('appointment reminders', () => {
  it('are raised once, 24 hours before the start; another round and a restarted worker raise nothing more', async () => {
    const appointment = await aBookedAppointment(72);

    await roundAt(at(appointment.startsAt, -24 * HOUR - 1));
    expect(await remindersOf(appointment)).toEqual([]);

    await roundAt(at(appointment.startsAt, -24 * HOUR));
    const reminders = await remindersOf(appointment);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      channel: 'IN_APP',
      status: 'SENT',
      sourceEventId: null,
      sourceKey: `reminder:${appointment.appointmentId}:${appointment.startsAt}`,
      message: 'Reminder: your appointment with Grace Hopper is on Thursday 5 March 2026, 08:00 UTC.',
      createdAt: at(appointment.startsAt, -24 * HOUR),
    });
    const created = (await bed.outbox('NotificationCreated')).filter((event) => event.aggregateId === reminders[0]!.id);
    expect(created.map((event) => [event.payload, event.actor])).toEqual([
      [
        {
          notificationId: reminders[0]!.id,
          eventType: 'APPOINTMENT_REMINDER',
          channel: 'IN_APP',
          recipient: { kind: 'PATIENT', id: appointment.patientId },
          createdAt: at(appointment.startsAt, -24 * HOUR).toISOString(),
        },
        { userId: null, roles: [] },
      ],
    ]);

    expect(await roundAt(at(appointment.startsAt, -23 * HOUR))).toMatchObject({ reminded: 0, notifications: 0 });
    expect(await bed.restartWorkers().reminders.runOnce()).toMatchObject({ reminded: 0, notifications: 0 });
    expect(await remindersOf(appointment)).toHaveLength(1);
  });

  it('are raised once more, for the new time, when the appointment is rescheduled', async () => {
    const appointment = await aBookedAppointment(30);
    await roundAt(at(appointment.startsAt, -20 * HOUR));
    expect(await remindersOf(appointment)).toHaveLength(1);

    const movedAt = at(appointment.startsAt, -10 * HOUR);
    const moved = { ...appointment, startsAt: at(appointment.startsAt, 48 * HOUR).toISOString() };
    bed.setNow(movedAt);
    await bed.deliver(
      'appointment-events',
      appointmentEvent('AppointmentRescheduled', moved, 'PENDING', {
        occurredAt: movedAt,
        extra: { previousStartsAt: appointment.startsAt },
      }),
    );

    expect(await roundAt(at(moved.startsAt, -25 * HOUR))).toMatchObject({ reminded: 0 });
    expect(await roundAt(at(moved.startsAt, -24 * HOUR))).toMatchObject({ reminded: 1, notifications: 1 });
    expect(await roundAt(at(moved.startsAt, -2 * HOUR))).toMatchObject({ reminded: 0 });
    const reminders = await remindersOf(appointment);
    expect(reminders.map((reminder) => reminder.sourceKey)).toEqual([
      `reminder:${appointment.appointmentId}:${appointment.startsAt}`,
      `reminder:${appointment.appointmentId}:${moved.startsAt}`,
    ]);
    expect(reminders[1]!.message).toContain('Thursday 5 March 2026, 14:00 UTC');
  });

  it('are not raised for a cancelled appointment', async () => {
    const appointment = await aBookedAppointment(96);
    const cancelledAt = at(NOW, HOUR);
    bed.setNow(cancelledAt);
    await bed.deliver(
      'appointment-events',
      appointmentEvent('AppointmentCancelled', appointment, 'CANCELLED', {
        occurredAt: cancelledAt,
        extra: { feeOwed: { amount: 0, currency: 'USD' } },
      }),
    );
    await roundAt(at(appointment.startsAt, -12 * HOUR));
    expect(await remindersOf(appointment)).toEqual([]);
  });

  it('are not raised for an appointment booked within 24 hours of its start', async () => {
    const appointment = await aBookedAppointment(10);
    await roundAt(at(appointment.startsAt, -9 * HOUR));
    await roundAt(at(appointment.startsAt, -HOUR));
    expect(await remindersOf(appointment)).toEqual([]);
  });

  it('are raised once when two replicas race for them', async () => {
    const appointment = await aBookedAppointment(120);
    bed.setNow(at(appointment.startsAt, -6 * HOUR));
    const other = bed.restartWorkers().reminders;

    const rounds = await Promise.all([bed.reminders.runOnce(), other.runOnce()]);

    expect(rounds.reduce((sum, round) => sum + round.notifications, 0)).toBe(1);
    const reminders = await remindersOf(appointment);
    expect(reminders).toHaveLength(1);
    expect(
      (await bed.outbox('NotificationCreated')).filter((event) => event.aggregateId === reminders[0]!.id),
    ).toHaveLength(1);
  });
});
