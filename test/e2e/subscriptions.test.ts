/**
 * Live events over `graphql-ws` on the services the tests are given: PostgreSQL and Kafka in CI, so that events reach
 * the gateway's own consumer group through a real broker. The suite is `subscriptions.suite.ts`.
 */
import { subscriptionSuite } from './subscriptions.suite.ts';

subscriptionSuite({ embedded: false });
