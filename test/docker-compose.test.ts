/**
 * docker-compose.yml cannot be started here (no Docker engine), so this test reads it and checks what would
 * otherwise only fail at `docker compose up`: every subgraph of the catalog runs as its own service with the
 * right command and port, waits for healthy PostgreSQL and Kafka, reports its own health, and every variable it
 * sets is one the process understands.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { gatewayEnvSchema } from '../gateway/config.ts';
import { subgraphEnv } from '../platform/config.ts';
import { SUBGRAPHS } from '../schema/catalog.ts';
import { auditEnv } from '../subgraphs/audit/subgraph.ts';
import { identityEnv } from '../subgraphs/identity/subgraph.ts';
import { notificationsEnv } from '../subgraphs/notifications/subgraph.ts';
import { paymentsEnv } from '../subgraphs/payments/subgraph.ts';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Kafka in KRaft mode (no ZooKeeper), the gateway and every subgraph', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['gateway', 'kafka', 'postgres', ...SUBGRAPHS.map((entry) => entry.name)].sort(),
    );
    expect(services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(JSON.stringify(services)).not.toMatch(/zookeeper/i);
  });

  it.each(SUBGRAPHS.map((entry) => [entry.name, entry.port]))(
    'runs %s from its own entry point on port %s',
    (name, port) => {
      const service = services[name]!;
      expect(service.command).toEqual(['node', `subgraphs/${name}/main.ts`]);
      expect(existsSync(new URL(`subgraphs/${name}/main.ts`, root))).toBe(true);
      expect(service.environment?.PORT).toBe(port);
      expect(service.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(service.environment?.KAFKA_BROKERS).toBe('kafka:9092');
      expect(service.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        kafka: { condition: 'service_healthy' },
      });
      expect(service.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/health/ready`);
    },
  );

  it('starts the gateway after Kafka and every subgraph are healthy, and publishes only its port', () => {
    const gateway = services.gateway!;
    expect(gateway.command).toEqual(['node', 'gateway/main.ts']);
    expect(Object.keys(gateway.depends_on ?? {}).sort()).toEqual(
      ['kafka', ...SUBGRAPHS.map((entry) => entry.name)].sort(),
    );
    expect(
      Object.values(gateway.depends_on ?? {}).every((dependency) => dependency.condition === 'service_healthy'),
    ).toBe(true);
    expect(gateway.ports).toEqual(['4000:4000']);
    for (const name of SUBGRAPHS.map((entry) => entry.name)) expect(services[name]?.ports).toBeUndefined();
  });

  it('sets only variables the processes understand, and no secret in clear', () => {
    const subgraphVariables = new Set([
      ...Object.keys(subgraphEnv),
      ...Object.keys(identityEnv),
      ...Object.keys(paymentsEnv),
      ...Object.keys(notificationsEnv),
      ...Object.keys(auditEnv),
    ]);
    for (const { name } of SUBGRAPHS) {
      for (const variable of Object.keys(services[name]?.environment ?? {}))
        expect(subgraphVariables).toContain(variable);
    }
    const gatewayVariables = new Set(Object.keys(gatewayEnvSchema.shape));
    for (const variable of Object.keys(services.gateway?.environment ?? {}))
      expect(gatewayVariables).toContain(variable);
    for (const service of Object.values(services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (/SECRET|PASSWORD/.test(variable)) expect(String(value)).toMatch(/^\$\{[A-Z_]+:\?/);
      }
    }
  });

  it('builds every service of the graph from the Dockerfile in the repository', () => {
    expect(existsSync(new URL('Dockerfile', root))).toBe(true);
    for (const name of ['gateway', ...SUBGRAPHS.map((entry) => entry.name)]) expect(services[name]?.build).toBe('.');
  });
});
