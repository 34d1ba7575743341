/**
 * Email over SMTP with nodemailer: one connection per message (no pool to keep alive between rare sends), plain text,
 * from `HMS_EMAIL_FROM`. The `Message-ID` is derived from the notification id, so a message sent again after a crash
 * (the server accepted it, the dispatcher never recorded that) carries the same id and mail systems can drop the
 * copy. A 5xx reply (or an envelope the server cannot take) is permanent; a 4xx reply, a timeout or a refused
 * connection is tried again.
 */
import nodemailer from 'nodemailer';
import { PermanentDeliveryError, type DeliveryChannel, type OutgoingMessage } from './delivery-channel.ts';

export interface SmtpEmailSettings {
  /** `smtp://[user:pass@]host:port` or `smtps://…` (credentials and TLS as the URL says). */
  url: string;
  /** The sender, e.g. `HMS <no-reply@hms.local>`. */
  from: string;
  /** Deadline of each step (connect, greeting, every reply), in milliseconds. */
  timeoutMs: number;
}

/** The `Message-ID` of a notification's email: `<notification id@sender's domain>`. */
export function messageIdOf(notificationId: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'hms.local';
  return `<${notificationId}@${domain}>`;
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
}

/** True when another attempt cannot help: a 5xx reply, or an envelope nodemailer refused before sending. */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const failure = (error ?? {}) as SmtpFailure;
  if (typeof failure.responseCode === 'number') return failure.responseCode >= 500;
  return failure.code === 'EENVELOPE';
}

/** The EMAIL channel on an SMTP server. */
export function createSmtpEmailChannel(settings: SmtpEmailSettings): DeliveryChannel {
  const transport = nodemailer.createTransport({
    url: settings.url,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  return {
    channel: 'EMAIL',
    async send(message: OutgoingMessage) {
      const messageId = messageIdOf(message.notificationId, settings.from);
      try {
        await transport.sendMail({
          from: settings.from,
          to: message.to,
          subject: message.subject ?? '',
          text: message.body,
          messageId,
          headers: { 'X-HMS-Notification-Id': message.notificationId },
        });
      } catch (error) {
        if (isPermanentSmtpFailure(error)) {
          throw new PermanentDeliveryError(error instanceof Error ? error.message : String(error), { cause: error });
        }
        throw error;
      }
      return { providerMessageId: messageId };
    },
  };
}
