import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { subgraphDefinitionsForTools } from '../../subgraphs/index.ts';
import { openTestDatabase, type TestDatabaseHandle } from '../testing/orm.ts';
import { migrationsApplied, withoutHandWrittenConstraints } from './orm.ts';

const definitions = subgraphDefinitionsForTools();

describe('migrations', () => {
  let handle: TestDatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => {
    await handle?.close();
  });

  it.each(definitions.map((definition) => [definition.name]))(
    'of %s apply cleanly and leave nothing for the entities to change',
    async (name) => {
      const definition = definitions.find((candidate) => candidate.name === name)!;
      const orm = await handle.orm(definition);
      expect(await migrationsApplied(orm)).toBe(true);
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false, schema: definition.name });
      expect(withoutHandWrittenConstraints(diff)).toBe('');
    },
  );

  it('are idempotent: applying them again changes nothing', async () => {
    const orm = await handle.orm(definitions[1]!);
    expect(await orm.migrator.up()).toEqual([]);
  });
});
