/**
 * Live events over `graphql-ws` on the embedded default (`npm start` with nothing configured: PGlite, in-process
 * events), whatever services the tests are given. The suite is `subscriptions.suite.ts`.
 */
import { subscriptionSuite } from './subscriptions.suite.ts';

subscriptionSuite({ embedded: true });
