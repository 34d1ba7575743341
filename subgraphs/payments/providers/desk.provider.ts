/**
 * Money received at the desk: cash, a card presented at the terminal, an insurer's remittance. The money has
 * already changed hands when staff record it, so a charge always succeeds and a refund is money handed back at the
 * desk; there is no processor to ask or to cancel.
 */
import type { PaymentProvider } from './payment-provider.ts';

export function createDeskProvider(): PaymentProvider {
  return {
    name: 'desk',
    charge: async () => ({ outcome: 'APPROVED', providerReference: null }),
    refund: async () => ({ outcome: 'REFUNDED', providerReference: null }),
    cancel: async () => {},
  };
}
