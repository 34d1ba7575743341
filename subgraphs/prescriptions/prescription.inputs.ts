/**
 * Shapes of the prescriptions subgraph's inputs for prescriptions and the medicine catalogue (the limits of
 * `schema/prescriptions.graphql`, from `prescription.rules.ts`). Times arrive as `Date`s (the `DateTime` scalar);
 * whether they lie in the future is the services' to decide, on the injected clock.
 */
import { z } from 'zod';
import { BadUserInputError } from '../../platform/errors.ts';
import { idSchema, identifierSchema, textSchema } from '../../platform/validation.ts';
import {
  CODE_SYSTEMS,
  identifierKey,
  MAX_CODE_DISPLAY_LENGTH,
  MAX_CODE_LENGTH,
  MAX_CODES_PER_LOOKUP,
  MAX_DOSE_UNIT_LENGTH,
  MAX_DOSE_VALUE,
  MAX_DURATION_DAYS,
  MAX_IMPORT_BATCH,
  MAX_INSTRUCTIONS_LENGTH,
  MAX_MEDICATION_TEXT_LENGTH,
  MAX_MEDICINE_TEXT_LENGTH,
  MAX_TIMES_PER_DAY,
} from './prescription.rules.ts';

/** Trimmed text of 1–`max` characters. */
export const requiredText = (max: number) => z.string().trim().min(1, 'must not be empty').pipe(textSchema(max));
/** Trimmed text of at most `max` characters; absent, null or empty is null. */
export const optionalText = (max: number) =>
  textSchema(max)
    .nullish()
    .transform((value) => value || null);
/** An absent or null value as null. */
const orNull = <Schema extends z.ZodType>(schema: Schema) => schema.nullish().transform((value) => value ?? null);

export const codeInput = requiredText(MAX_CODE_LENGTH);

/** `CodingInput`: a code of a known system, 1–64 characters, with display text up to 500. */
export const codingInput = z.object({
  system: z.enum(CODE_SYSTEMS),
  code: codeInput,
  display: optionalText(MAX_CODE_DISPLAY_LENGTH),
});
export type CodingInput = z.infer<typeof codingInput>;

/** `QuantityInput`: 0 < value ≤ 100,000 of a unit of 1–20 characters. */
export const quantityInput = z.object({
  value: z.number().gt(0, 'must be greater than 0').max(MAX_DOSE_VALUE, `must be at most ${MAX_DOSE_VALUE}`),
  unit: requiredText(MAX_DOSE_UNIT_LENGTH),
});

const timesPerDay = z
  .number()
  .int()
  .min(1, 'must be at least 1')
  .max(MAX_TIMES_PER_DAY, `must be at most ${MAX_TIMES_PER_DAY}`);
const durationDays = z
  .number()
  .int()
  .min(1, 'must be at least 1')
  .max(MAX_DURATION_DAYS, `must be at most ${MAX_DURATION_DAYS}`);
const instant = z.date({ error: 'must be a date and time' }).refine((date) => !Number.isNaN(date.getTime()), {
  message: 'must be a valid date and time',
});

/** What names the medicine of a prescription: exactly one of a catalogue entry and free text. */
const medicineChoice = {
  medicineId: orNull(idSchema),
  medicationText: orNull(requiredText(MAX_MEDICATION_TEXT_LENGTH)),
};

function exactlyOneMedicine(
  prescription: { medicineId: string | null; medicationText: string | null },
  context: z.RefinementCtx,
): void {
  if (prescription.medicineId && prescription.medicationText) {
    context.addIssue({
      code: 'custom',
      path: ['medicationText'],
      message: 'give either medicineId or medicationText, not both',
    });
  } else if (!prescription.medicineId && !prescription.medicationText) {
    context.addIssue({ code: 'custom', path: ['medicineId'], message: 'give medicineId or medicationText' });
  }
}

export const issuePrescriptionInput = z
  .object({
    appointmentId: idSchema,
    ...medicineChoice,
    dose: quantityInput,
    timesPerDay,
    durationDays,
    instructions: optionalText(MAX_INSTRUCTIONS_LENGTH),
    reason: orNull(codingInput),
  })
  .superRefine(exactlyOneMedicine);
export type IssuePrescriptionInput = z.infer<typeof issuePrescriptionInput>;

/** `ImportedPrescriptionInput`: the bounds of `issuePrescription`, with the dosage optional (history may lack it). */
export const importedPrescriptionInput = z
  .object({
    identifier: identifierSchema,
    patientId: idSchema,
    doctorId: idSchema,
    ...medicineChoice,
    dose: orNull(quantityInput),
    timesPerDay: orNull(timesPerDay),
    durationDays: orNull(durationDays),
    instructions: optionalText(MAX_INSTRUCTIONS_LENGTH),
    reason: orNull(codingInput),
    issuedAt: instant,
  })
  .superRefine(exactlyOneMedicine);
export type ImportedPrescriptionInput = z.infer<typeof importedPrescriptionInput>;

/** 1–100 rows, no identifier given twice (`rows` of an import input). */
export const importBatch = <Row extends z.ZodType<{ identifier: { system: string; value: string } }>>(row: Row) =>
  z
    .array(row)
    .min(1, 'must hold at least one row')
    .max(MAX_IMPORT_BATCH, `must hold at most ${MAX_IMPORT_BATCH} rows`)
    .superRefine((rows, context) => {
      const seen = new Set<string>();
      rows.forEach((item, index) => {
        const key = identifierKey(item.identifier);
        if (seen.has(key)) {
          context.addIssue({
            code: 'custom',
            path: [index, 'identifier'],
            message: 'repeats the identifier of an earlier row of this batch',
          });
        }
        seen.add(key);
      });
    });

export const importPrescriptionsInput = z.object({ prescriptions: importBatch(importedPrescriptionInput) });
export type ImportPrescriptionsInput = z.infer<typeof importPrescriptionsInput>;

export const createMedicineInput = z.object({
  name: requiredText(MAX_MEDICINE_TEXT_LENGTH),
  strength: optionalText(MAX_MEDICINE_TEXT_LENGTH),
  form: optionalText(MAX_MEDICINE_TEXT_LENGTH),
  code: orNull(codingInput),
});
export type CreateMedicineInput = z.infer<typeof createMedicineInput>;

/** Left out (undefined): stays; null (or empty text): cleared. */
const clearable = <Schema extends z.ZodType>(schema: Schema) =>
  schema.nullish().transform((value) => (value === undefined ? undefined : value || null));

/** `UpdateMedicineInput`: omitted fields stay; a null name or `active` also leaves it as it is. */
export const updateMedicineInput = z.object({
  name: requiredText(MAX_MEDICINE_TEXT_LENGTH)
    .nullish()
    .transform((name) => name ?? undefined),
  strength: clearable(textSchema(MAX_MEDICINE_TEXT_LENGTH)),
  form: clearable(textSchema(MAX_MEDICINE_TEXT_LENGTH)),
  code: clearable(codingInput),
  active: z
    .boolean()
    .nullish()
    .transform((active) => active ?? undefined),
});
/** Fields left out (undefined) stay as they are. */
export type UpdateMedicineInput = Partial<z.infer<typeof updateMedicineInput>>;

/** Arguments of `medicines`: `search` trimmed (empty is none), withdrawn medicines only on request. */
export const medicineSearchInput = z.object({
  search: optionalText(MAX_MEDICINE_TEXT_LENGTH),
  includeInactive: z
    .boolean()
    .nullish()
    .transform((include) => include ?? false),
});
export type MedicineSearch = z.infer<typeof medicineSearchInput>;

/** Arguments of `medicinesByCode`: one system, 0–100 codes. */
export const medicineCodeLookupInput = z.object({
  system: z.enum(CODE_SYSTEMS),
  codes: z.array(codeInput).max(MAX_CODES_PER_LOOKUP, `must hold at most ${MAX_CODES_PER_LOOKUP} codes`),
});

/** The field path of `path` in an operation, array indices in brackets: `input.prescriptions[3].patientId`. */
export function fieldPath(path: readonly (string | number | symbol)[]): string {
  return path.reduce<string>((field, part) => {
    if (typeof part === 'number') return `${field}[${part}]`;
    return field ? `${field}.${String(part)}` : String(part);
  }, '');
}

/**
 * Parses a batch input with `schema`, like the platform's `parseInput` but naming rows as the services do
 * (`input.prescriptions[3].issuedAt`), so that every error of an import points at its row the same way.
 *
 * @throws BadUserInputError on the first issue.
 */
export function parseBatchInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  path = 'input',
): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath([path, ...issue.path]);
  throw new BadUserInputError(`${field}: ${issue.message}`, field);
}
