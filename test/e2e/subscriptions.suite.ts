/**
 * The end-to-end suite of live events (run by `subscriptions.test.ts` on the configured services, PostgreSQL and
 * Kafka in CI, and by `subscriptions-embedded.test.ts` on the embedded default). Live events over `graphql-ws`, as the patient portal and the staff consoles receive them: real WebSocket clients
 * (the `graphql-ws` client, and Apollo Client in Node) against the gateway's own port and path, fed by the events
 * the subgraphs publish (Kafka in CI, in-process otherwise). Each event reaches only those SPEC §2 lets read it, with
 * its entity read through the supergraph as the subscriber; tokens are checked when the socket opens and when they
 * expire; two gateway replicas each deliver to their own clients; a client that stops reading holds nobody up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import WebSocket from 'ws';
import type { Gateway } from '../../gateway/gateway.ts';
import type { GraphClient } from '../../platform/graphql/client.ts';
import { connectLive, type LiveClient } from '../../platform/testing/live-feed.ts';
import { eventually, startTestGraph, subgraphOf, type TestGraph } from '../../platform/testing/graph.ts';
import { Notification } from '../../subgraphs/notifications/notification.entity.ts';
import { createTransport } from '../../platform/process.ts';
import type { EventTransport } from '../../platform/events/transport.ts';
import {
  aDepartment,
  aDoctorWithAccount,
  aSignedUpPatient,
  aStaffMember,
  BOOK,
  captureEvents,
  slotAt,
  untilBookable,
  untilPayable,
} from '../builders.ts';

/** Defines every test of the suite on a graph started with `embedded` as `startTestGraph` takes it. */
export function subscriptionSuite(options: { embedded: boolean }): void {
  /**
   * Each subscription may fall this far behind before it is ended: small, so the slow-client test stays short, but
   * not so small that a reading client is ended too while its lookups wait for a busy machine (seen with 5 in CI).
   */
  const BACKLOG = 12;

  let shiftMs = 0;
  let graph: TestGraph;
  let admin: GraphClient;
  let reception: GraphClient;
  let doctor: Awaited<ReturnType<typeof aDoctorWithAccount>>;
  let departmentId: string;
  let patientA: Awaited<ReturnType<typeof aSignedUpPatient>>;
  let patientB: Awaited<ReturnType<typeof aSignedUpPatient>>;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    graph = await startTestGraph({
      embedded: options.embedded,
      clock: () => new Date(Date.now() + shiftMs),
      // The slow-client test's subscription aliases the appointment 100 times, past the default limit of 30.
      env: { HMS_SUBSCRIPTION_BACKLOG: String(BACKLOG), HMS_GATEWAY_MAX_ALIASES: '100' },
    });
    admin = await graph.admin();
    reception = (await aStaffMember(admin, ['RECEPTION'])).client;
    departmentId = (await aDepartment(admin)).id;
    doctor = await aDoctorWithAccount(graph, admin, departmentId);
    patientA = await aSignedUpPatient(graph);
    patientB = await aSignedUpPatient(graph);
    await untilBookable(graph, { patientIds: [patientA.patientId, patientB.patientId] });
  });
  afterEach(async () => {
    // Every test starts with no subscription live, so that each can count its own.
    await Promise.all(clients.splice(0).map((client) => client.dispose().catch(() => {})));
    await eventually(async () => graph.gateway.realtime.subscriptions === 0);
  });
  afterAll(async () => {
    await graph?.stop();
  });

  /** A connected client of the gateway at `url` (default: the test graph's) with `token`. */
  async function live(token: string | undefined, url = graph.url): Promise<LiveClient> {
    const client = connectLive(url, token);
    clients.push(client);
    return client;
  }

  const tokenOf = (client: GraphClient): string => client.token!;

  /** Waits until `gateway` holds `count` live subscriptions (a subscription registers a moment after it is sent). */
  const untilSubscribed = (count: number, gateway: Gateway = graph.gateway) =>
    eventually(async () => gateway.realtime.subscriptions >= count);

  const APPOINTMENT_UPDATED = `subscription($patientId: ID, $doctorId: ID) {
    appointmentUpdated(patientId: $patientId, doctorId: $doctorId) {
      eventId type occurredAt
      appointment { id status startsAt patient { id } doctor { id displayName department { id } } }
    }
  }`;

  interface AppointmentUpdated {
    appointmentUpdated: {
      eventId: string;
      type: string;
      occurredAt: string;
      appointment: { id: string; status: string; patient: { id: string }; doctor: { id: string } };
    };
  }

  let nextSlot = 0;
  /** Books the next free slot of the test doctor for `patientId`, as `client`. */
  async function book(client: GraphClient, patientId: string): Promise<string> {
    const startsAt = slotAt(2 + Math.floor(nextSlot / 8), 9 + (nextSlot++ % 8));
    const data = await client.data<{ bookAppointment: { id: string } }>(BOOK, {
      input: { patientId, doctorId: doctor.id, departmentId, startsAt },
    });
    return data.bookAppointment.id;
  }

  const aboutAppointment = (id: string) => (message: { data?: AppointmentUpdated | null }) =>
    message.data?.appointmentUpdated.appointment.id === id;

  describe('appointmentUpdated', () => {
    it('tells patient A of their booking and patient B nothing, while their doctor and reception see both', async () => {
      const feedA = (await live(tokenOf(patientA.client))).subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      const feedB = (await live(tokenOf(patientB.client))).subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      const feedDoctor = (await live(tokenOf(doctor.client))).subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      const feedReception = (await live(tokenOf(reception))).subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      await untilSubscribed(4);

      const appointmentA = await book(patientA.client, patientA.patientId);
      const received = await feedA.until(aboutAppointment(appointmentA));
      expect(received.errors).toBeUndefined();
      expect(received.data!.appointmentUpdated).toMatchObject({
        type: 'BOOKED',
        appointment: {
          id: appointmentA,
          status: 'PENDING',
          patient: { id: patientA.patientId },
          doctor: { id: doctor.id, department: { id: departmentId } },
        },
      });
      expect(Date.parse(received.data!.appointmentUpdated.occurredAt)).not.toBeNaN();

      // B's own booking reaches B after A's went out to everyone: had A's reached B, it would be there by now.
      const appointmentB = await book(reception, patientB.patientId);
      await feedB.until(aboutAppointment(appointmentB));
      await feedDoctor.until(aboutAppointment(appointmentA));
      await feedDoctor.until(aboutAppointment(appointmentB));
      await feedReception.until(aboutAppointment(appointmentA));
      await feedReception.until(aboutAppointment(appointmentB));
      await feedA.until(aboutAppointment(appointmentA));
      expect(feedB.messages.map((message) => message.data?.appointmentUpdated.appointment.id)).toEqual([appointmentB]);
      expect(feedA.messages.some(aboutAppointment(appointmentB))).toBe(false);

      // The doctor accepts: A hears of it as CONFIRMED.
      await doctor.client.data('mutation($id: ID!) { acceptAppointment(id: $id) { id } }', { id: appointmentA });
      const confirmed = await feedA.until(
        (message) => aboutAppointment(appointmentA)(message) && message.data!.appointmentUpdated.type === 'CONFIRMED',
      );
      expect(confirmed.data!.appointmentUpdated.appointment.status).toBe('CONFIRMED');
      for (const feed of [feedA, feedB, feedDoctor, feedReception]) feed.unsubscribe();
    });

    it('refuses a patient who names another patient, and a doctor who names another doctor', async () => {
      const asA = await live(tokenOf(patientA.client));
      const refused = asA.subscribe(APPOINTMENT_UPDATED, { patientId: patientB.patientId });
      const message = await refused.until(() => true);
      expect(message.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      await refused.ended();

      const asDoctor = await live(tokenOf(doctor.client));
      const other = asDoctor.subscribe(APPOINTMENT_UPDATED, { doctorId: randomUUID() });
      expect((await other.until(() => true)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('reads the entity as the subscriber: a field they may not read is an error in the event, not a leak', async () => {
      // Reception may read appointments but not bills (SPEC §2).
      const feed = (await live(tokenOf(reception))).subscribe<{
        appointmentUpdated: { appointment: { id: string; bill: unknown } };
      }>(
        `subscription { appointmentUpdated { a: appointment { id } appointment { id bill { id total { amount } } } } }`,
      );
      await untilSubscribed(1);
      const id = await book(patientA.client, patientA.patientId);
      const message = await feed.until((candidate) => candidate.data?.appointmentUpdated?.appointment?.id === id);
      expect(message.data!.appointmentUpdated).toEqual({ a: { id }, appointment: { id, bill: null } });
      expect(message.errors).toEqual([
        expect.objectContaining({
          path: ['appointmentUpdated', 'appointment', 'bill'],
          extensions: { code: 'FORBIDDEN' },
        }),
      ]);
      feed.unsubscribe();
      await eventually(async () => graph.gateway.realtime.subscriptions === 0);

      // A non-null field they may not read takes its parents with it, as in any GraphQL response.
      const strict = (await live(tokenOf(reception))).subscribe(
        `subscription { appointmentUpdated { appointment { id bills { id } } } }`,
      );
      await untilSubscribed(1);
      await book(patientA.client, patientA.patientId);
      const refused = await strict.until(() => true);
      expect(refused.data).toBeNull();
      expect(refused.errors).toEqual([
        expect.objectContaining({
          path: ['appointmentUpdated', 'appointment', 'bills'],
          extensions: { code: 'FORBIDDEN' },
        }),
      ]);
      strict.unsubscribe();
    });
  });

  describe('paymentReceived and notificationAdded', () => {
    it('tells the patient of their payment and of their new notifications, and the other patient nothing', async () => {
      const asA = await live(tokenOf(patientA.client));
      const asB = await live(tokenOf(patientB.client));
      const paymentsA = asA.subscribe<{
        paymentReceived: { eventId: string; payment: { id: string; amount: { amount: number }; bill: { id: string } } };
      }>('subscription { paymentReceived { eventId payment { id amount { amount } bill { id status } } } }');
      const paymentsB = asB.subscribe('subscription { paymentReceived { payment { id } } }');
      const notificationsA = asA.subscribe<{ notificationAdded: { id: string; eventType: string; message: string } }>(
        'subscription { notificationAdded { id eventType channel message readAt } }',
      );
      const notificationsB = asB.subscribe<{ notificationAdded: { id: string; eventType: string } }>(
        'subscription { notificationAdded { id eventType } }',
      );
      await untilSubscribed(4);

      // A visit to completion bills the consultation; the patient pays it online.
      const appointmentId = await book(patientA.client, patientA.patientId);
      const booked = await notificationsA.until(
        (message) => message.data?.notificationAdded.eventType === 'APPOINTMENT_BOOKED',
      );
      expect(booked.data!.notificationAdded.message).toMatch(/\S/);
      for (const step of ['acceptAppointment', 'checkInAppointment', 'completeAppointment']) {
        await doctor.client.data(`mutation($id: ID!) { ${step}(id: $id) { id } }`, { id: appointmentId });
      }
      const bill = await eventually(async () => {
        const data = await patientA.client.data<{
          appointment: { bill: { id: string; total: { amount: number } } | null };
        }>('query($id: ID!) { appointment(id: $id) { bill { id total { amount } } } }', { id: appointmentId });
        return data.appointment.bill;
      });
      await untilPayable(graph, bill.id);
      const paid = await patientA.client.request<{ payBill: { id: string } }>(
        'mutation($input: PayBillInput!) { payBill(input: $input) { id status } }',
        { input: { billId: bill.id, amount: bill.total.amount, method: 'ONLINE', paymentToken: 'tok_visa' } },
        { 'idempotency-key': randomUUID() },
      );
      expect(paid.errors).toBeUndefined();
      const received = await paymentsA.until(
        (message) => message.data?.paymentReceived.payment.id === paid.data!.payBill.id,
      );
      expect(received.data!.paymentReceived.payment).toMatchObject({
        amount: { amount: bill.total.amount },
        bill: { id: bill.id },
      });
      await notificationsA.until((message) => message.data?.notificationAdded.eventType === 'PAYMENT_SUCCEEDED');

      // B's own booking is B's sentinel: by the time its notification arrives, anything of A's would have.
      await book(patientB.client, patientB.patientId);
      await notificationsB.until((message) => message.data?.notificationAdded.eventType === 'APPOINTMENT_BOOKED');
      const feedIds = (client: GraphClient) =>
        client
          .data<{ myNotifications: { edges: { node: { id: string } }[] } }>(
            '{ myNotifications(first: 100) { edges { node { id } } } }',
          )
          .then((data) => data.myNotifications.edges.map((edge) => edge.node.id));
      const [ownOfA, ownOfB] = [await feedIds(patientA.client), await feedIds(patientB.client)];
      const pushedToA = notificationsA.messages.map((message) => message.data!.notificationAdded.id);
      const pushedToB = notificationsB.messages.map((message) => message.data!.notificationAdded.id);
      expect(pushedToB.length).toBeGreaterThan(0);
      expect(pushedToA.every((id) => ownOfA.includes(id))).toBe(true);
      expect(pushedToB.every((id) => ownOfB.includes(id) && !ownOfA.includes(id))).toBe(true);
      expect(paymentsB.messages).toEqual([]);
      for (const feed of [paymentsA, paymentsB, notificationsA, notificationsB]) feed.unsubscribe();
    });

    it('refuses payments to doctors and reception, by role', async () => {
      for (const client of [doctor.client, reception]) {
        const feed = (await live(tokenOf(client))).subscribe('subscription { paymentReceived { eventId } }');
        expect((await feed.until(() => true)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    });
  });

  describe('the connection', () => {
    it('is refused without a token, with a forged one, and with one of an unknown key', async () => {
      const [header, payload] = tokenOf(patientA.client).split('.');
      const tampered = Buffer.from(payload!, 'base64url')
        .toString('utf8')
        .replace(patientA.patientId, patientB.patientId);
      const forged = `${header}.${Buffer.from(tampered).toString('base64url')}.${tokenOf(patientA.client).split('.')[2]}`;
      for (const token of [undefined, forged, 'not-a-token']) {
        const client = await live(token);
        await expect(client.connected).rejects.toThrow();
        expect(await client.closed).toBe(4403);
      }
    });

    it('is closed with 4401 when the access token expires', async () => {
      // Identity issues the token as if 15 minutes minus 3 seconds ago: it expires 3 seconds from now.
      shiftMs = -(900 - 3) * 1000;
      const shortLived = await graph.client.signIn(patientA.email, 'a passphrase for tests');
      shiftMs = 0;
      const client = await live(tokenOf(shortLived));
      await client.connected;
      const feed = client.subscribe(APPOINTMENT_UPDATED);
      const started = Date.now();
      expect(await client.closed).toBe(4401);
      expect(Date.now() - started).toBeLessThan(10_000);
      await feed.ended();
    });

    it('refuses a subscription sent over HTTP, and shows the subscriptions in the schema over HTTP', async () => {
      const overHttp = await patientA.client.request('subscription { notificationAdded { id } }');
      expect(overHttp.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      const introspection = await graph.client.request<{
        __schema: { subscriptionType: { fields: { name: string }[] } | null };
      }>('{ __schema { subscriptionType { fields { name } } } }');
      expect(introspection.data!.__schema.subscriptionType!.fields.map((field) => field.name).sort()).toEqual([
        'appointmentUpdated',
        'notificationAdded',
        'paymentReceived',
      ]);
    });

    it('runs queries over the socket as the connection’s caller', async () => {
      const client = await live(tokenOf(patientA.client));
      const result = await new Promise<{ data?: { me: { patientId: string } } | null }>((resolve, reject) => {
        client.client.subscribe<{ me: { patientId: string } }>(
          { query: '{ me { patientId } }' },
          { next: resolve, error: reject, complete: () => {} },
        );
      });
      expect(result.data?.me.patientId).toBe(patientA.patientId);
    });
  });

  describe('Apollo Client in Node', () => {
    it('receives appointment updates through GraphQLWsLink', async () => {
      const link = new GraphQLWsLink((await live(tokenOf(patientA.client))).client);
      const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
      const received: AppointmentUpdated[] = [];
      const subscription = apollo
        .subscribe<AppointmentUpdated>({
          query: gql`
            subscription {
              appointmentUpdated {
                type
                appointment {
                  id
                  status
                }
              }
            }
          `,
        })
        .subscribe({
          next: (result: { data?: unknown }) => result.data && received.push(result.data as AppointmentUpdated),
        });
      await untilSubscribed(1);
      const id = await book(patientA.client, patientA.patientId);
      await eventually(async () => received.some((update) => update.appointmentUpdated.appointment.id === id));
      expect(
        received.find((update) => update.appointmentUpdated.appointment.id === id)!.appointmentUpdated,
      ).toMatchObject({ type: 'BOOKED', appointment: { id, status: 'PENDING' } });
      subscription.unsubscribe();
      apollo.stop();
    });
  });

  describe('two gateway replicas', () => {
    let second: Gateway;
    let transport: EventTransport;
    let secondUrl: string;

    beforeAll(async () => {
      // A replica of its own, as another process would be: with Kafka, its own client and consumer group.
      transport =
        graph.transport.kind === 'kafka' ? createTransport(graph.env, graph.logger, 'gateway-2') : graph.transport;
      if (transport !== graph.transport) await transport.start();
      second = graph.gatewayReplica(transport);
      secondUrl = `${(await second.start('127.0.0.1', 0)).url}/graphql`;
    });
    afterAll(async () => {
      await second?.stop();
      if (transport && transport !== graph.transport) await transport.stop();
    });

    it('each deliver the same event to their own clients', async () => {
      const onFirst = (await live(tokenOf(patientA.client))).subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      const onSecond = (await live(tokenOf(patientA.client), secondUrl)).subscribe<AppointmentUpdated>(
        APPOINTMENT_UPDATED,
      );
      await untilSubscribed(1);
      await untilSubscribed(1, second);
      const id = await book(patientA.client, patientA.patientId);
      const [first, other] = await Promise.all([
        onFirst.until(aboutAppointment(id)),
        onSecond.until(aboutAppointment(id)),
      ]);
      expect(other.data!.appointmentUpdated.eventId).toBe(first.data!.appointmentUpdated.eventId);
      onFirst.unsubscribe();
      onSecond.unsubscribe();
    });
  });

  describe('redelivery', () => {
    it('makes one notification of an event delivered three times, and tells each subscriber once', async () => {
      const events = await captureEvents(graph, 'appointment-events');
      const client = await live(tokenOf(patientA.client));
      const updates = client.subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      const added = client.subscribe<{
        notificationAdded: { id: string; eventType: string; metadata: { appointmentId?: string } };
      }>('subscription { notificationAdded { id eventType metadata } }');
      await untilSubscribed(2);
      const id = await book(patientA.client, patientA.patientId);
      const aboutThis =
        (type: string) =>
        (message: {
          data?: { notificationAdded: { eventType: string; metadata: { appointmentId?: string } } } | null;
        }) =>
          message.data?.notificationAdded.eventType === type &&
          message.data.notificationAdded.metadata.appointmentId === id;
      await added.until(aboutThis('APPOINTMENT_BOOKED'));
      const booked = await eventually(async () =>
        events.find((event) => event.type === 'AppointmentBooked' && event.payload.appointmentId === id),
      );
      const notifications = subgraphOf(graph, 'notifications').runtime.orm.em;
      const written = await notifications.fork().count(Notification, { sourceEventId: booked.id });
      expect(written).toBeGreaterThan(0);

      // The same envelope twice more, as a broker redelivers after a rebalance; then the doctor confirms, whose event
      // follows them on the appointment's partition: once it has arrived, the copies have been handled.
      const copy = { topic: 'appointment-events', key: booked.aggregateId, value: booked };
      await graph.transport.publish([copy, copy]);
      await doctor.client.data('mutation($id: ID!) { acceptAppointment(id: $id) { id } }', { id });
      await updates.until(
        (message) => aboutAppointment(id)(message) && message.data!.appointmentUpdated.type === 'CONFIRMED',
      );
      await added.until(aboutThis('APPOINTMENT_CONFIRMED'));

      expect(await notifications.fork().count(Notification, { sourceEventId: booked.id })).toBe(written);
      expect(
        updates.messages.filter(
          (message) => aboutAppointment(id)(message) && message.data!.appointmentUpdated.type === 'BOOKED',
        ),
      ).toHaveLength(1);
      expect(added.messages.filter(aboutThis('APPOINTMENT_BOOKED'))).toHaveLength(1);
    });
  });

  describe('a client that stops reading', () => {
    it('holds nobody up: the others receive every event while its own subscription is ended', async () => {
      // A raw graphql-ws session whose socket stops reading once subscribed: what the gateway sends piles up in
      // the TCP buffers, then in its subscription's queue, which the gateway ends past BACKLOG events.
      const slow = new WebSocket(graph.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise((resolve) => slow.once('open', resolve));
      slow.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokenOf(reception)}` } }),
      );
      await new Promise((resolve) => slow.once('message', resolve));
      // Every event carries the appointment 100 times over, so that a few dozen events fill the socket's buffers.
      const heavy = Array.from(
        { length: 100 },
        (_, i) => `a${i}: appointment { id status startsAt endsAt doctor { displayName department { name } } }`,
      ).join(' ');
      slow.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: `subscription { appointmentUpdated { ${heavy} } }` },
        }),
      );
      const watcher = (await live(tokenOf(reception))).subscribe<AppointmentUpdated>(APPOINTMENT_UPDATED);
      await untilSubscribed(2);
      (slow as unknown as { _socket: { pause(): void } })._socket.pause();

      const patient = await aSignedUpPatient(graph);
      await untilBookable(graph, { patientIds: [patient.patientId] });
      const ids: string[] = [];
      // Book and cancel until the gateway has given up on the slow subscription (bounded: at most 120 events).
      for (let round = 0; round < 60 && graph.gateway.realtime.subscriptions > 1; round++) {
        const id = await book(reception, patient.patientId);
        await reception.data('mutation($id: ID!) { cancelAppointment(id: $id, reason: "test") { id } }', { id });
        ids.push(id);
      }
      expect(graph.gateway.realtime.subscriptions).toBe(1);
      for (const id of ids) {
        await watcher.until(
          (message) => aboutAppointment(id)(message) && message.data!.appointmentUpdated.type === 'CANCELLED',
          10_000,
        );
      }
      expect(watcher.messages.filter((message) => ids.some((id) => aboutAppointment(id)(message)))).toHaveLength(
        ids.length * 2,
      );
      slow.terminate();
      watcher.unsubscribe();
    });
  });
}
