/**
 * Shapes of the medical-record inputs of `schema/prescriptions.graphql`: an entry's `code` and `data` are checked
 * against its kind (`medical-record.rules.ts`), so that a bad field is named (`input.data.heartRateBpm`).
 */
import { z } from 'zod';
import { idSchema, identifierSchema } from '../../platform/validation.ts';
import { checkRecordContent, MEDICAL_RECORD_KINDS, type MedicalRecordKind } from './medical-record.rules.ts';
import { codingInput, importBatch, type CodingInput } from './prescription.inputs.ts';

const instant = z.date({ error: 'must be a date and time' }).refine((date) => !Number.isNaN(date.getTime()), {
  message: 'must be a valid date and time',
});

/** Replaces `data` with its parsed content, or reports every problem of `code` and `data` for the kind. */
function withCheckedContent<Entry extends { kind: MedicalRecordKind; code: CodingInput | null; data: unknown }>(
  entry: Entry,
  context: z.RefinementCtx,
): Omit<Entry, 'data'> & { data: Record<string, unknown> } {
  const checked = checkRecordContent(entry.kind, entry.code, entry.data);
  if (!checked.success) {
    for (const issue of checked.issues) context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return { ...entry, data: checked.data };
}

const entryContent = {
  kind: z.enum(MEDICAL_RECORD_KINDS),
  code: codingInput.nullish().transform((code) => code ?? null),
  data: z.unknown(),
};

export const addMedicalRecordEntryInput = z
  .object({
    patientId: idSchema,
    appointmentId: idSchema.nullish().transform((id) => id ?? null),
    ...entryContent,
    effectiveAt: instant.nullish().transform((at) => at ?? null),
    supersedesId: idSchema.nullish().transform((id) => id ?? null),
  })
  .transform(withCheckedContent);
export type AddMedicalRecordEntryInput = z.infer<typeof addMedicalRecordEntryInput>;

export const importedMedicalRecordEntryInput = z
  .object({
    identifier: identifierSchema,
    patientId: idSchema,
    doctorId: idSchema,
    ...entryContent,
    effectiveAt: instant,
  })
  .transform(withCheckedContent);
export type ImportedMedicalRecordEntryInput = z.infer<typeof importedMedicalRecordEntryInput>;

export const importMedicalRecordEntriesInput = z.object({ entries: importBatch(importedMedicalRecordEntryInput) });
export type ImportMedicalRecordEntriesInput = z.infer<typeof importMedicalRecordEntriesInput>;

/** `MedicalRecordFilter`: effective times are instants, [effectiveFrom, effectiveTo); an empty `kinds` is all. */
export const medicalRecordFilterInput = z
  .object({
    kinds: z
      .array(z.enum(MEDICAL_RECORD_KINDS))
      .max(MEDICAL_RECORD_KINDS.length)
      .nullish()
      .transform((kinds) => (kinds?.length ? [...new Set(kinds)] : null)),
    effectiveFrom: instant.nullish().transform((at) => at ?? null),
    effectiveTo: instant.nullish().transform((at) => at ?? null),
    includeSuperseded: z
      .boolean()
      .nullish()
      .transform((include) => include ?? false),
  })
  .refine((filter) => !filter.effectiveFrom || !filter.effectiveTo || filter.effectiveFrom <= filter.effectiveTo, {
    message: 'must not be before effectiveFrom',
    path: ['effectiveTo'],
  });
export type MedicalRecordFilter = z.infer<typeof medicalRecordFilterInput>;
