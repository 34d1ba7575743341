/**
 * SMS behind one interface (SPEC §7: "SMS (a provider behind one interface)"): a provider sends one text to one
 * phone number. `smsChannel` makes any provider the dispatcher's SMS channel. Providers throw
 * `PermanentDeliveryError` for a message they will never take (a bad number, a rejected request) and anything
 * else for a failure worth another attempt.
 */
import type { DeliveryChannel } from './delivery-channel.ts';

export interface SmsMessage {
  /** E.164, e.g. `+14025550123`. */
  to: string;
  /** Plain text, at most 480 characters. */
  body: string;
  /** The notification id: the provider may deduplicate a resend by it. */
  reference: string;
}

export interface SmsProvider {
  send(message: SmsMessage): Promise<{ providerMessageId: string }>;
}

/** The SMS channel on a provider. */
export function smsChannel(provider: SmsProvider): DeliveryChannel {
  return {
    channel: 'SMS',
    send: (message) => provider.send({ to: message.to, body: message.body, reference: message.notificationId }),
  };
}
