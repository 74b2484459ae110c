/**
 * Event names compare as the `events.name` column does (utf8mb4_unicode_520_ci, PAD SPACE):
 * without regard to case, accents or trailing spaces. Code that decides in JS whether a written
 * event's name is one a filter reads (real-time relevance, moments) compares these keys. The key
 * may be coarser than the collation, never finer: two names the database holds equal always get
 * one key (an extra re-evaluation is harmless, a skipped one is a stale result).
 */
export function eventNameKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/ß/g, 'ss').replace(/\s+/gu, '');
}
