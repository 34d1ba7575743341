/**
 * Pure rules about patients: the MRN format and the dates a patient record may carry. No I/O, no clock of
 * their own (the caller passes "today" in the hospital's time zone).
 */

/** Luhn (mod 10) check digit of a string of digits, as used on identification numbers (ISO/IEC 7812). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** The MRN for the n-th value of the MRN sequence: 7 digits, zero-padded, then the Luhn check digit. */
export function mrnFromSequence(value: number): string {
  if (!Number.isInteger(value) || value < 1 || value > 9_999_999)
    throw new RangeError(`MRN sequence value out of range: ${value}`);
  const body = String(value).padStart(7, '0');
  return `${body}${luhnCheckDigit(body)}`;
}

/** True when `mrn` is 8 digits whose last is the Luhn check digit of the first seven. */
export function isValidMrn(mrn: string): boolean {
  return /^\d{8}$/.test(mrn) && luhnCheckDigit(mrn.slice(0, 7)) === Number(mrn[7]);
}

/**
 * Problems with a patient's dates, or null when they are consistent: a birth date is not in the future, a
 * death date is neither before the birth date nor in the future. Dates are `YYYY-MM-DD`, compared as text.
 */
export function datesProblem(
  dates: { birthDate: string; deceasedDate?: string | null },
  today: string,
): { field: string; message: string } | null {
  if (dates.birthDate > today) return { field: 'birthDate', message: 'must not be in the future' };
  if (dates.deceasedDate) {
    if (dates.deceasedDate > today) return { field: 'deceasedDate', message: 'must not be in the future' };
    if (dates.deceasedDate < dates.birthDate) return { field: 'deceasedDate', message: 'must not be before birthDate' };
  }
  return null;
}
