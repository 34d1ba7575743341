/**
 * Appointment reminders (SPEC §7: "reminder (24 h before)"), raised on the injected clock. Each round takes the
 * appointments of this subgraph's copy whose reminder is due (`reminderDue`: booked or confirmed, from 24 h before
 * the start until the start, scheduled earlier than that) and not yet raised for their current start, and notifies
 * the patient under the source key `reminder:<appointment id>:<start>`. That key is unique per recipient and
 * channel, so a second round, a restarted process or two replicas racing raise each reminder once; a rescheduled
 * appointment has a new start, hence a new key and one new reminder. A patient the directory does not know yet is
 * tried again next round.
 */
import type { Orm } from '../../platform/db/orm.ts';
import type { Logger } from '../../platform/logger.ts';
import { periodicWorker, type PeriodicWorker } from '../../platform/worker.ts';
import { DirectoryRepository } from './directory.repository.ts';
import type { AppointmentReplica } from './notification.entity.ts';
import { formatInstant, reminderDue, reminderSourceKey, type ChannelAvailability } from './notification.rules.ts';
import { notify } from './notifier.service.ts';

export const REMINDERS = 'notifications.reminders';

export interface ReminderWorkerOptions {
  orm: Orm;
  clock: () => Date;
  /** The hospital's IANA time zone, in which the appointment time is written. */
  timeZone: string;
  available: ChannelAvailability;
  logger: Logger;
  /** Pause between rounds, in milliseconds. */
  intervalMs: number;
  /** Appointments looked at per round. */
  batchSize?: number;
}

/** What one round did. */
export interface ReminderRound {
  /** Appointments whose reminder was raised in this round (by this worker or, racing it, another). */
  reminded: number;
  /** Notifications this worker wrote. */
  notifications: number;
  /** Due reminders left for the next round (their patient or doctor is not in the directory yet). */
  deferred: number;
}

/** The reminder worker (`runOnce()`: one round at the clock's time, for tests); nothing runs until `start()`. */
export function createReminderWorker(options: ReminderWorkerOptions): PeriodicWorker<ReminderRound> {
  const log = options.logger.child({ component: REMINDERS });
  const batchSize = options.batchSize ?? 100;

  /**
   * Raises one appointment's reminder in its own transaction and records it raised; leaves it for the next round
   * while the directory does not know its patient or doctor.
   */
  async function remind(appointment: AppointmentReplica, round: ReminderRound): Promise<void> {
    await options.orm.em.fork().transactional(async (em) => {
      const directory = new DirectoryRepository(em);
      const [patient, doctor] = [
        await directory.patient(appointment.patientId),
        await directory.doctor(appointment.doctorId),
      ];
      if (!patient || !doctor) {
        round.deferred++;
        log.debug({ appointmentId: appointment.appointmentId }, 'reminder deferred: patient or doctor not known yet');
        return;
      }
      if (patient.active) {
        const written = await notify(
          { em, clock: options.clock, available: options.available },
          {
            eventType: 'APPOINTMENT_REMINDER',
            source: { key: reminderSourceKey(appointment.appointmentId, appointment.startsAt) },
            actor: { principal: null, correlationId: `reminder-${appointment.appointmentId}` },
            recipients: [
              {
                audience: 'PATIENT',
                recipientId: patient.patientId,
                email: patient.email ?? null,
                phone: patient.phone ?? null,
              },
            ],
            variables: {
              patientName: `${patient.givenName} ${patient.familyName}`,
              doctorName: `${doctor.givenName} ${doctor.familyName}`,
              appointmentTime: formatInstant(appointment.startsAt, options.timeZone),
            },
            metadata: {
              appointmentId: appointment.appointmentId,
              patientId: appointment.patientId,
              doctorId: appointment.doctorId,
              startsAt: appointment.startsAt.toISOString(),
            },
          },
        );
        round.notifications += written.length;
      }
      await directory.markReminded(appointment.appointmentId, appointment.startsAt);
      round.reminded++;
    });
  }

  return periodicWorker<ReminderRound>({
    name: REMINDERS,
    intervalMs: options.intervalMs,
    logger: options.logger,
    round: async () => {
      const now = options.clock();
      const round: ReminderRound = { reminded: 0, notifications: 0, deferred: 0 };
      const candidates = await new DirectoryRepository(options.orm.em.fork()).dueForReminder(now, batchSize);
      for (const appointment of candidates.filter((candidate) => reminderDue(candidate, now))) {
        await remind(appointment, round);
      }
      if (round.reminded > 0) log.info(round, 'appointment reminders raised');
      return round;
    },
  });
}
