import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { baseEnv, ConfigError, databaseEnv, kafkaEnv, loadConfig, secretOrGenerate } from './config.ts';

const schema = z.object({ ...baseEnv, ...databaseEnv, ...kafkaEnv });

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(schema, {});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HMS_TIMEZONE: 'UTC',
      HMS_CURRENCY: 'USD',
      HMS_DATA_DIR: '.hms-data',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KAFKA_BROKERS).toBeUndefined();
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig(schema, { HMS_TIMEZONE: 'Mars/Olympus', HMS_CURRENCY: 'dollars', DATABASE_URL: 'not a url' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/HMS_TIMEZONE/);
    expect(problems).toMatch(/HMS_CURRENCY/);
    expect(problems).toMatch(/DATABASE_URL/);
  });

  it('treats empty variables as unset and splits broker lists', () => {
    const config = loadConfig(schema, { DATABASE_URL: '', KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
  });
});

describe('secretOrGenerate', () => {
  it('never generates a secret in production', () => {
    expect(() => secretOrGenerate('S', undefined, 'production', () => 'x')).toThrow(ConfigError);
  });

  it('generates one in development', () => {
    expect(secretOrGenerate('S', undefined, 'development', () => 'generated')).toBe('generated');
  });
});
