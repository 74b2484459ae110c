/**
 * Agenda's computed job state (`computeJobState`) as a SQL expression, so that filtering by
 * state, paging and the per-name overview all run in the database instead of loading every
 * job. The branches are Agenda's, in Agenda's order; a test compares the two on sample jobs.
 */
import type { JobState } from './agenda-types';
import type { SqlFragment } from './sql';

/** @returns a CASE expression yielding one of Agenda's {@link JobState} values at `now`. */
export function stateExpression(now: Date): SqlFragment {
  return {
    sql: `CASE
      WHEN locked_at IS NOT NULL THEN 'running'
      WHEN failed_at IS NOT NULL AND (last_finished_at IS NULL OR failed_at >= last_finished_at) THEN 'failed'
      WHEN repeat_interval IS NOT NULL THEN 'repeating'
      WHEN next_run_at > ? THEN 'scheduled'
      WHEN next_run_at <= ? THEN 'queued'
      ELSE 'completed' END`,
    params: [now, now],
  };
}

/**
 * The condition for `queryJobs({ state })`. `paused` means disabled, whatever the computed
 * state, as in Agenda's other backends.
 */
export function stateWhere(state: JobState, now: Date): SqlFragment {
  if (state === 'paused') return { sql: 'disabled = 1', params: [] };
  const expr = stateExpression(now);
  return { sql: `(${expr.sql}) = ?`, params: [...expr.params, state] };
}

/** The states counted by the overview, each a column of its query. */
export const OVERVIEW_STATES = ['running', 'scheduled', 'queued', 'completed', 'failed', 'repeating'] as const;

/**
 * One row per job name with its total, a count per computed state, and `paused` (disabled jobs,
 * counted on top of their computed state). Counts are SUMs, which mysql2 returns as strings.
 */
export function overviewSql(table: string, now: Date): SqlFragment {
  const expr = stateExpression(now);
  const counts = OVERVIEW_STATES.map(s => `SUM(state = '${s}') AS ${s}`).join(', ');
  return {
    sql: `SELECT name, COUNT(*) AS total, ${counts}, SUM(disabled) AS paused
      FROM (SELECT name, disabled, ${expr.sql} AS state FROM \`${table}\`) AS jobs
      GROUP BY name ORDER BY name`,
    params: expr.params,
  };
}
