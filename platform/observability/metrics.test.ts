import { describe, expect, it } from '@jest/globals';
import { ApolloServer } from '@apollo/server';
import { BoundedLabel, ComponentMetrics, metricsOf, scrape, SCRAPE_TIMEOUT_MS } from './metrics.ts';
import { graphqlMetricsPlugin } from './graphql-metrics.ts';

/** The value of one sample line `name{labels} value` of an exposition, or undefined when it has none. */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  const line = body
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('BoundedLabel', () => {
  it('keeps the first values as they are and counts every later new one as (other)', () => {
    const label = new BoundedLabel(3);
    expect(['a', 'b', 'a', 'c'].map((value) => label.value(value))).toEqual(['a', 'b', 'a', 'c']);
    expect(label.value('d')).toBe('(other)');
    expect(label.value('e')).toBe('(other)');
    // Values admitted before the cap keep their own name.
    expect(label.value('b')).toBe('b');
    expect(label.size).toBe(3);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new BoundedLabel(0)).toThrow(RangeError);
    expect(() => new BoundedLabel(1.5)).toThrow(RangeError);
  });
});

describe('registries per component', () => {
  it('gives each component its own registry, labelled with its name, and the same one on every call', () => {
    expect(metricsOf('unit-a')).toBe(metricsOf('unit-a'));
    expect(metricsOf('unit-a').registry).not.toBe(metricsOf('unit-b').registry);
  });

  it('counts two components apart, each scrape showing only its own and the process metrics', async () => {
    // The same metric names in two registries of one process: no duplicate registration.
    metricsOf('unit-c').graphqlErrors.inc({ code: 'FORBIDDEN' });
    metricsOf('unit-d').graphqlErrors.inc({ code: 'FORBIDDEN' }, 2);
    const c = await scrape('unit-c');
    const d = await scrape('unit-d');
    expect(sample(c.body, 'graphql_errors_total', { service: 'unit-c', code: 'FORBIDDEN' })).toBe(1);
    expect(sample(d.body, 'graphql_errors_total', { service: 'unit-d', code: 'FORBIDDEN' })).toBe(2);
    expect(c.body).not.toContain('service="unit-d"');
    expect(c.contentType).toContain('text/plain');
    expect(c.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(c.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('samples attached sources at each scrape, and no longer once detached', async () => {
    const metrics = new ComponentMetrics('unit-e');
    let backlog = 7;
    const detach = metrics.attach({
      sample: async (target) => {
        target.outboxUnpublished.set(backlog);
      },
    });
    expect(sample((await metrics.exposition()).body, 'outbox_unpublished_messages', { service: 'unit-e' })).toBe(7);
    backlog = 3;
    expect(sample((await metrics.exposition()).body, 'outbox_unpublished_messages', { service: 'unit-e' })).toBe(3);
    detach();
    backlog = 99;
    expect(sample((await metrics.exposition()).body, 'outbox_unpublished_messages', { service: 'unit-e' })).toBe(3);
  });

  it('answers a scrape when a source fails or hangs, keeping that source’s last values', async () => {
    const metrics = new ComponentMetrics('unit-f');
    metrics.attach({
      sample: async () => {
        throw new Error('database down');
      },
    });
    metrics.attach({ sample: () => new Promise<void>(() => {}) });
    metrics.attach({
      sample: async (target) => {
        target.consumerLag.set({ consumer_group: 'g', topic: 't', partition: '0' }, 4);
      },
    });
    const startedAt = Date.now();
    const { body } = await metrics.exposition();
    expect(Date.now() - startedAt).toBeLessThan(SCRAPE_TIMEOUT_MS + 1_000);
    expect(sample(body, 'events_consumer_lag_messages', { consumer_group: 'g', topic: 't', partition: '0' })).toBe(4);
  });
});

describe('graphqlMetricsPlugin', () => {
  async function serverWith(metrics: ComponentMetrics) {
    const server = new ApolloServer({
      typeDefs: 'type Query { hello: String, fail: String }',
      resolvers: {
        Query: {
          hello: () => 'world',
          fail: () => {
            throw new Error('boom');
          },
        },
      },
      plugins: [graphqlMetricsPlugin(metrics)],
    });
    await server.start();
    return server;
  }

  it('counts and times operations by type, name and outcome, and errors by code', async () => {
    const metrics = new ComponentMetrics('unit-g');
    const server = await serverWith(metrics);
    try {
      await server.executeOperation({ query: 'query Greeting { hello }' });
      await server.executeOperation({ query: 'query Greeting { hello }' });
      await server.executeOperation({ query: '{ hello fail }' });
      await server.executeOperation({ query: 'query Broken { nope }' });
      const { body } = await metrics.exposition();
      const named = { operation_type: 'query', operation_name: 'Greeting' };
      expect(sample(body, 'graphql_requests_total', { ...named, outcome: 'success' })).toBe(2);
      expect(sample(body, 'graphql_request_duration_seconds_count', named)).toBe(2);
      expect(sample(body, 'graphql_request_duration_seconds_bucket', { ...named, le: '+Inf' })).toBe(2);
      expect(
        sample(body, 'graphql_requests_total', {
          operation_type: 'query',
          operation_name: '(anonymous)',
          outcome: 'partial',
        }),
      ).toBe(1);
      // A document that does not validate never lends its name to a label.
      expect(body).not.toContain('Broken');
      expect(
        sample(body, 'graphql_requests_total', {
          operation_type: 'unknown',
          operation_name: '(invalid)',
          outcome: 'error',
        }),
      ).toBe(1);
      expect(sample(body, 'graphql_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBe(1);
      expect(sample(body, 'graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('counts operation names past the cap as (other)', async () => {
    const metrics = new ComponentMetrics('unit-h', { operationNameLimit: 2 });
    const server = await serverWith(metrics);
    try {
      for (const name of ['One', 'Two', 'Three', 'Four', 'One']) {
        await server.executeOperation({ query: `query ${name} { hello }` });
      }
      const { body } = await metrics.exposition();
      const count = (operation_name: string) =>
        sample(body, 'graphql_requests_total', { operation_name, outcome: 'success' });
      expect([count('One'), count('Two'), count('(other)')]).toEqual([2, 1, 2]);
      expect(body).not.toContain('operation_name="Three"');
    } finally {
      await server.stop();
    }
  });
});
