/**
 * What the dispatcher needs of a channel that leaves the building (email, SMS): send one message, and say whether a
 * failure is worth another attempt. In-app notifications need no channel: storing them delivers them.
 */
import type { DeliveredChannel } from '../notification.rules.ts';

/** One message to send. */
export interface OutgoingMessage {
  /** The notification's id: a stable reference a provider or mail system can deduplicate a resend by. */
  notificationId: string;
  /** An email address or an E.164 phone number. */
  to: string;
  /** Email only. */
  subject: string | null;
  /** Plain text. */
  body: string;
}

/** What the provider said it did with the message. */
export interface DeliveryReceipt {
  /** The provider's id of the message (an SMTP `Message-ID`, an SMS provider's id). */
  providerMessageId: string;
}

/**
 * A way out for notifications of one channel. `send` resolves once the provider has accepted the message; it throws
 * `PermanentDeliveryError` when trying again cannot help (an address refused, a request the provider rejects) and
 * any other error when it may (a timeout, the provider down, a temporary refusal).
 */
export interface DeliveryChannel {
  readonly channel: DeliveredChannel;
  send(message: OutgoingMessage): Promise<DeliveryReceipt>;
}

/** A failure that another attempt cannot fix: the notification fails at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}
