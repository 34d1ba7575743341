/**
 * What every entity has: a UUID id (version 7, so new rows append to the primary-key index in time order),
 * and creation and update times (UTC, `timestamptz`).
 */
import { defineEntity, p } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';

export const BaseEntity = defineEntity({
  name: 'BaseEntity',
  abstract: true,
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

/** A new time-ordered UUID (RFC 9562 version 7). */
export const newId = (): string => uuidv7();
