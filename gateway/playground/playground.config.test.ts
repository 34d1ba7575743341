import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../platform/config.ts';
import { gatewayCommonEnv } from '../config.ts';
import { z } from 'zod';
import { playgroundEnabled } from './playground.config.ts';

/** The gateway's variables as the process parses them (strings in, flags out). */
const parse = (env: Record<string, string>) => loadConfig(z.object({ NODE_ENV: z.string(), ...gatewayCommonEnv }), env);

describe('playgroundEnabled', () => {
  it('is on by default in development and tests, off in production', () => {
    expect(playgroundEnabled(parse({ NODE_ENV: 'development' }))).toBe(true);
    expect(playgroundEnabled(parse({ NODE_ENV: 'test' }))).toBe(true);
    expect(playgroundEnabled(parse({ NODE_ENV: 'production' }))).toBe(false);
  });

  it('follows HMS_GATEWAY_PLAYGROUND when it is set', () => {
    expect(playgroundEnabled(parse({ NODE_ENV: 'development', HMS_GATEWAY_PLAYGROUND: 'false' }))).toBe(false);
    expect(
      playgroundEnabled(
        parse({ NODE_ENV: 'production', HMS_GATEWAY_PLAYGROUND: 'true', HMS_GATEWAY_INTROSPECTION: 'true' }),
      ),
    ).toBe(true);
  });

  it('is off by default where introspection was turned off', () => {
    expect(playgroundEnabled(parse({ NODE_ENV: 'development', HMS_GATEWAY_INTROSPECTION: 'false' }))).toBe(false);
  });

  it('refuses to be turned on without introspection, naming the variable to set', () => {
    const refused: Record<string, string>[] = [
      { NODE_ENV: 'production', HMS_GATEWAY_PLAYGROUND: 'true' },
      { NODE_ENV: 'development', HMS_GATEWAY_PLAYGROUND: 'true', HMS_GATEWAY_INTROSPECTION: 'false' },
    ];
    for (const env of refused) {
      const attempt = () => playgroundEnabled(parse(env));
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/HMS_GATEWAY_PLAYGROUND: .*HMS_GATEWAY_INTROSPECTION=true/);
    }
  });

  it('is off with trusted documents, and refused there when asked for', () => {
    expect(
      playgroundEnabled(parse({ NODE_ENV: 'development', HMS_GATEWAY_TRUSTED_DOCUMENTS: '/etc/manifest.json' })),
    ).toBe(false);
    expect(() =>
      playgroundEnabled(
        parse({ NODE_ENV: 'development', HMS_GATEWAY_PLAYGROUND: 'true', HMS_GATEWAY_TRUSTED_DOCUMENTS: '/m.json' }),
      ),
    ).toThrow(/HMS_GATEWAY_TRUSTED_DOCUMENTS only listed operations run/);
  });

  it('rejects a value that is not a boolean', () => {
    expect(() => parse({ NODE_ENV: 'development', HMS_GATEWAY_PLAYGROUND: 'yes' })).toThrow(/HMS_GATEWAY_PLAYGROUND/);
  });
});
