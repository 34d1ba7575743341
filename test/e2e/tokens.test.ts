/**
 * Forged, altered and retired access tokens, presented to the gateway: every one is refused with
 * UNAUTHENTICATED and no data, while a genuine token works.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { readFileSync } from 'node:fs';
import { createGateway } from '../../gateway/gateway.ts';
import { InProcessTransport } from '../../platform/events/in-process-transport.ts';
import { GraphClient } from '../../platform/graphql/client.ts';
import { SUPERGRAPH_PATH } from '../../schema/catalog.ts';
import { JWKS_PATH, REVOCATIONS_PATH } from '../../subgraphs/identity/subgraph.ts';
import { eventually, startTestGraph, subgraphOf, type TestGraph } from '../../platform/testing/graph.ts';
import { SigningKey } from '../../subgraphs/identity/user.entity.ts';
import { aStaffMember } from '../builders.ts';

let graph: TestGraph;
let admin: GraphClient;
let key: { kid: string; privateKeyPem: string; publicPem: string };
let adminId: string;

beforeAll(async () => {
  graph = await startTestGraph();
  admin = await graph.admin();
  adminId = (await admin.data<{ me: { id: string } }>('{ me { id } }')).me.id;
  // The real signing key, read from identity's database: forgeries below are signed with it where the forgery is
  // in the claims, not the signature.
  const identity = subgraphOf(graph, 'identity');
  const [active] = await identity.runtime.orm.em
    .fork()
    .find(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
  key = {
    kid: active!.kid,
    privateKeyPem: active!.privateKeyPem,
    publicPem: createPublicKey(active!.privateKeyPem).export({ format: 'pem', type: 'spki' }).toString(),
  };
});
afterAll(async () => {
  await graph?.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: adminId, roles: ['ADMIN'], sid: randomUUID() });
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signed(payload: object, options: jwt.SignOptions = {}): string {
  return jwt.sign(payload, key.privateKeyPem, {
    algorithm: 'ES256',
    keyid: key.kid,
    issuer: 'hms-identity',
    audience: 'hms-supergraph',
    ...('exp' in payload ? {} : { expiresIn: 600 }),
    ...options,
  });
}

async function expectRefused(token: string): Promise<void> {
  const response = await graph.client.withToken(token).request('{ me { id email } patients { totalCount } }');
  expect(response.status).toBe(401);
  expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(response.data ?? null).toBeNull();
}

describe('access tokens', () => {
  it('work when genuine (the control for every case below)', async () => {
    const response = await graph.client.withToken(signed(claims())).request<{ me: { id: string } }>('{ me { id } }');
    expect(response.data?.me.id).toBe(adminId);
  });

  const forgeries: [string, () => string][] = [
    [
      'unsigned (alg: none)',
      () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: 'hms-identity', aud: 'hms-supergraph', exp: now() + 600 })}.`,
    ],
    [
      'HS256 signed with the public key as secret',
      () => {
        const unsigned = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64({ ...claims(), iss: 'hms-identity', aud: 'hms-supergraph', iat: now(), exp: now() + 600 })}`;
        return `${unsigned}.${createHmac('sha256', key.publicPem).update(unsigned).digest('base64url')}`;
      },
    ],
    ['expired', () => signed({ ...claims(), iat: now() - 1200, exp: now() - 600 })],
    ['not yet valid (nbf in the future)', () => signed(claims(), { notBefore: 600 })],
    ['from another issuer', () => signed(claims(), { issuer: 'someone-else' })],
    ['for another audience', () => signed(claims(), { audience: 'another-api' })],
    [
      'signed with a key identity never published (unknown kid)',
      () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        return jwt.sign(claims(), privateKey, {
          algorithm: 'ES256',
          keyid: 'not-a-published-key',
          issuer: 'hms-identity',
          audience: 'hms-supergraph',
          expiresIn: 600,
        });
      },
    ],
    [
      'signed with another key under the real kid',
      () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        return jwt.sign(claims(), privateKey, {
          algorithm: 'ES256',
          keyid: key.kid,
          issuer: 'hms-identity',
          audience: 'hms-supergraph',
          expiresIn: 600,
        });
      },
    ],
    [
      'with a tampered payload',
      () => {
        const [header, , signature] = signed({ ...claims(), roles: ['PATIENT'] }).split('.');
        return `${header}.${b64({ ...claims(), roles: ['ADMIN'], iss: 'hms-identity', aud: 'hms-supergraph', exp: now() + 600 })}.${signature}`;
      },
    ],
    [
      'without exp',
      () =>
        jwt.sign({ ...claims(), iat: now() }, key.privateKeyPem, {
          algorithm: 'ES256',
          keyid: key.kid,
          issuer: 'hms-identity',
          audience: 'hms-supergraph',
        }),
    ],
    ['with a role that does not exist', () => signed({ ...claims(), roles: ['SUPERUSER'] })],
    ['garbage', () => 'not.a.token'],
  ];

  it.each(forgeries)('are refused when %s', async (_case, forge) => {
    await expectRefused(forge());
  });

  it('are refused once their user is disabled', async () => {
    const staff = await aStaffMember(admin, ['RECEPTION']);
    expect((await staff.client.request('{ me { id } }')).data).toEqual({ me: { id: staff.userId } });
    await admin.data('mutation($id: ID!) { disableUser(id: $id) { id } }', { id: staff.userId });
    await eventually(async () => (await staff.client.request('{ me { id } }')).status === 401);
    await expectRefused(staff.client.token!);
  });

  it('are refused once their session is revoked', async () => {
    const staff = await aStaffMember(admin, ['BILLING']);
    await staff.client.data('mutation { signOut }');
    await eventually(async () => (await staff.client.request('{ me { id } }')).status === 401);
    await expectRefused(staff.client.token!);
  });

  it('are refused by a gateway that started after the revocation, which learns of it from identity', async () => {
    const staff = await aStaffMember(admin, ['BILLING']);
    await staff.client.data('mutation { signOut }');
    // A second gateway on a transport that carries no events: only identity's /internal/revocations can tell it.
    const transport = new InProcessTransport();
    await transport.start();
    const identityUrl = new URL(graph.subgraphUrls.identity!);
    const late = createGateway({
      supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      subgraphUrls: graph.subgraphUrls,
      tokens: {
        jwksUrl: new URL(JWKS_PATH, identityUrl).toString(),
        revocationsUrl: new URL(REVOCATIONS_PATH, identityUrl).toString(),
        issuer: 'hms-identity',
        audience: 'hms-supergraph',
        accessTokenTtlSeconds: 900,
      },
      transport,
      internalTokenSecret: graph.internalTokenSecret,
      logger: graph.logger,
      introspection: false,
    });
    const listening = await late.start('127.0.0.1', 0);
    try {
      const client = new GraphClient(`${listening.url}/graphql`);
      expect((await client.withToken(admin.token).request('{ me { id } }')).data).toEqual({ me: { id: adminId } });
      const revoked = await client.withToken(staff.client.token).request('{ me { id } }');
      expect(revoked.status).toBe(401);
      expect(revoked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await late.stop();
      await transport.stop();
    }
  });

  it('are not served to anyone but the gateway as a revocation list', async () => {
    const direct = await fetch(new URL(REVOCATIONS_PATH, graph.subgraphUrls.identity!));
    expect(direct.status).toBe(401);
  });
});
