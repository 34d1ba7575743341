/** Clinical departments (FHIR R4 `Organization` of type `dept`). */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';

export const Department = defineEntity({
  name: 'Department',
  tableName: 'department',
  extends: BaseEntity,
  properties: {
    name: p.string().length(100).unique('department_name_key'),
    /** 2–10 upper-case letters or digits, e.g. `EMER`. */
    code: p.string().length(10).unique('department_code_key'),
    description: p.text().nullable(),
  },
});
export type Department = InferEntity<typeof Department>;
