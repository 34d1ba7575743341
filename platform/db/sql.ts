/** Small helpers for hand-written query conditions. */

/** Escapes `%`, `_` and `\` so that user text matches literally inside a LIKE / ILIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
