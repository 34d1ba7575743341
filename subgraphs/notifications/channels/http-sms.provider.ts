/**
 * A generic HTTP SMS gateway: `POST <HMS_SMS_URL>` with JSON `{ to, body, reference }` and, when a token is set,
 * `Authorization: Bearer <HMS_SMS_TOKEN>`. A 2xx answer means accepted (a JSON `{ id }` in it is the provider's
 * message id; without one, the reference stands in). A 4xx answer is permanent (the gateway refuses this message);
 * a 5xx answer, a timeout or a network error is tried again.
 */
import { PermanentDeliveryError } from './delivery-channel.ts';
import type { SmsMessage, SmsProvider } from './sms-provider.ts';

export interface HttpSmsSettings {
  url: string;
  /** Bearer token, if the gateway wants one. */
  token: string | null;
  /** Deadline of one request, in milliseconds. */
  timeoutMs: number;
}

/** An `SmsProvider` on the HTTP gateway at `settings.url`. */
export function createHttpSmsProvider(settings: HttpSmsSettings): SmsProvider {
  return {
    async send(message: SmsMessage) {
      const response = await fetch(settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}),
        },
        body: JSON.stringify({ to: message.to, body: message.body, reference: message.reference }),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      if (response.status >= 400 && response.status < 500) {
        await response.body?.cancel();
        throw new PermanentDeliveryError(`the SMS gateway refused the message (HTTP ${response.status})`);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`the SMS gateway failed (HTTP ${response.status})`);
      }
      const answer = (await response.json().catch(() => null)) as { id?: unknown } | null;
      return { providerMessageId: typeof answer?.id === 'string' ? answer.id : message.reference };
    },
  };
}
