/**
 * When a debounced unique job should run, given the job already stored (if any). Pure, so the
 * rules can be read and tested apart from SQL.
 */
import type { JobParameters } from './agenda-types';

type DebounceOptions = NonNullable<NonNullable<JobParameters['uniqueOpts']>['debounce']>;

/** The stored job's schedule, as far as debouncing cares. */
export interface DebounceState {
  readonly nextRunAt: Date | null;
  readonly debounceStartedAt: Date | null;
}

/**
 * - trailing (default): run `delay` ms after the latest save, but never later than `maxWait`
 *   after the first save of the burst; a save after `maxWait` has passed runs the job now and
 *   ends the burst (`debounceStartedAt` null).
 * - leading: the first save of a burst keeps its own `nextRunAt` (normally now); later saves
 *   within `delay` of it keep the stored `nextRunAt`; after that a new burst starts.
 *
 * A stored job with no pending run (`nextRunAt` null: it already ran) starts a new burst.
 *
 * @param requested - the `nextRunAt` of the job being saved; default now.
 * @returns the `nextRunAt` and `debounceStartedAt` to store.
 */
export function debounceSchedule(
  existing: DebounceState | undefined,
  requested: Date | null,
  options: DebounceOptions,
  now: Date,
): DebounceState {
  const pending = existing && existing.nextRunAt !== null;
  const started = pending ? (existing.debounceStartedAt ?? now) : now;
  const elapsed = now.getTime() - started.getTime();

  if (options.strategy === 'leading') {
    if (pending && existing.debounceStartedAt && elapsed < options.delay) return existing;
    return { nextRunAt: requested ?? now, debounceStartedAt: now };
  }

  if (options.maxWait !== undefined && elapsed >= options.maxWait) {
    return { nextRunAt: now, debounceStartedAt: null };
  }
  let next = now.getTime() + options.delay;
  if (options.maxWait !== undefined) next = Math.min(next, started.getTime() + options.maxWait);
  return { nextRunAt: new Date(next), debounceStartedAt: started };
}
