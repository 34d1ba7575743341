/**
 * The hospital's medicine catalogue (FHIR R4 `Medication`): what a prescription may name instead of free text.
 * A medicine is never deleted (prescriptions point at it); it is withdrawn (`active` false). Its code is unique per
 * code system (`medicine_code_key`), and names are searched through a trigram index.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BaseEntity } from '../../platform/db/base.entity.ts';
import {
  CODE_SYSTEMS,
  MAX_CODE_DISPLAY_LENGTH,
  MAX_CODE_LENGTH,
  MAX_MEDICINE_TEXT_LENGTH,
} from './prescription.rules.ts';

export const Medicine = defineEntity({
  name: 'Medicine',
  tableName: 'medicine',
  extends: BaseEntity,
  properties: {
    /** The full display text, e.g. "Amoxicillin 500 MG Oral Tablet". */
    name: p.string().length(MAX_MEDICINE_TEXT_LENGTH),
    strength: p.string().length(MAX_MEDICINE_TEXT_LENGTH).nullable(),
    form: p.string().length(MAX_MEDICINE_TEXT_LENGTH).nullable(),
    /** `Medication.code`: system, code and display are set together or not at all. */
    codeSystem: p.enum(CODE_SYSTEMS).nullable(),
    code: p.string().length(MAX_CODE_LENGTH).nullable(),
    codeDisplay: p.string().length(MAX_CODE_DISPLAY_LENGTH).nullable(),
    /** False once withdrawn: no new prescription may name it. */
    active: p.boolean().default(true),
    version: p.integer().version(),
  },
  checks: [
    { name: 'medicine_code_check', expression: '("code_system" is null) = ("code" is null)' },
    { name: 'medicine_code_display_check', expression: '"code" is not null or "code_display" is null' },
  ],
  uniques: [{ name: 'medicine_code_key', properties: ['codeSystem', 'code'] }],
  indexes: [
    // The catalogue is listed in name order (keyset on name, id).
    { name: 'medicine_name_idx', properties: ['name', 'id'] },
    {
      // `medicines(search:)` matches any part of the name, case-insensitively.
      name: 'medicine_name_trgm_idx',
      expression:
        `create index "medicine_name_trgm_idx" on "prescriptions"."medicine" ` +
        `using gin ((lower("name")) gin_trgm_ops)`,
    },
  ],
});
export type Medicine = InferEntity<typeof Medicine>;
