/** Small helpers for hand-written SQL: placeholders for a list, and de-duplication of keys. */

/** `?, ?, ?` for a list of values (which go in as parameters). */
export function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
