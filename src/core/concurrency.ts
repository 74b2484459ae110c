/** Running independent async work a few at a time. Pure (no I/O of its own). */

/**
 * Calls `fn` for every item, at most `limit` at once, in order of start; resolves when all have
 * settled. `fn` handles its own errors (a rejection rejects the whole run, as Promise.all does).
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
