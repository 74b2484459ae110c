/**
 * A fingerprint of a whole test database, to prove that an operation wrote nothing: the
 * `CHECKSUM TABLE` and row count of every base table, and the set of queued jobs.
 *
 * The Agenda jobs table is fingerprinted differently. The recurring maintenance jobs (sync
 * recovery, overdue webhook deliveries, … every job that `agenda.every()` keeps, stored with
 * type 'single') stamp their own `last_run_at` / `next_run_at` / `locked_at` every few seconds
 * whatever the API does, so a raw checksum of that table would change between two fingerprints
 * taken a second apart. What matters is whether a request queued, removed or rescheduled a
 * job, so the fingerprint holds one line per job (name, data, type, disabled, repeat interval
 * and, except for maintenance jobs, the next run), sorted: a multiset of jobs compared as a
 * whole, which also compares their count.
 */
import type { DataSource } from 'typeorm';

export interface DbFingerprint {
  /** Table → `CHECKSUM TABLE` result (every base table except the jobs table). */
  readonly checksums: ReadonlyMap<string, string>;
  /** Table → row count (every base table, the jobs table included). */
  readonly counts: ReadonlyMap<string, number>;
  /** One line per queued job, sorted (see the module comment). */
  readonly jobs: readonly string[];
}

export interface FingerprintOptions {
  /** The Agenda jobs table (default `agenda_jobs`). */
  readonly jobsTable?: string;
}

/** Agenda's type of the jobs `every()` keeps: the maintenance jobs, whose timestamps move by themselves. */
export const MAINTENANCE_JOB_TYPE = 'single';

/** Fingerprints every base table of the data source's database. */
export async function fingerprint(ds: DataSource, options: FingerprintOptions = {}): Promise<DbFingerprint> {
  const jobsTable = options.jobsTable ?? 'agenda_jobs';
  const tables = ((await ds.query("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")) as Array<Record<string, string>>)
    .map((row) => Object.values(row)[0])
    .sort();
  const checksummed = tables.filter((t) => t !== jobsTable);
  const checksums = new Map<string, string>();
  if (checksummed.length) {
    const rows = (await ds.query(`CHECKSUM TABLE ${checksummed.map((t) => `\`${t}\``).join(', ')}`)) as Array<{ Table: string; Checksum: string | number | null }>;
    for (const r of rows) checksums.set(r.Table.split('.').pop()!, String(r.Checksum));
  }
  const counts = new Map<string, number>();
  const countRows = (await ds.query(tables.map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM \`${t}\``).join(' UNION ALL '))) as Array<{ t: string; n: string }>;
  for (const r of countRows) counts.set(r.t, Number(r.n));
  let jobs: string[] = [];
  if (tables.includes(jobsTable)) {
    const rows = (await ds.query(`SELECT name, data, type, disabled, repeat_interval, next_run_at FROM \`${jobsTable}\``)) as Array<Record<string, unknown>>;
    jobs = rows.map((r) => JSON.stringify([
      r.name, typeof r.data === 'string' ? JSON.parse(r.data) : r.data, r.type, Number(r.disabled), r.repeat_interval,
      r.type === MAINTENANCE_JOB_TYPE ? null : (r.next_run_at as Date | null)?.toISOString() ?? null,
    ])).sort();
  }
  return { checksums, counts, jobs };
}

/** What differs between two fingerprints, one line per difference; empty when they are equal. */
export function fingerprintDiff(before: DbFingerprint, after: DbFingerprint): string[] {
  const out: string[] = [];
  for (const t of new Set([...before.checksums.keys(), ...after.checksums.keys()])) {
    if (before.checksums.get(t) !== after.checksums.get(t)) out.push(`CHECKSUM TABLE ${t}: ${before.checksums.get(t)} → ${after.checksums.get(t)}`);
  }
  for (const t of new Set([...before.counts.keys(), ...after.counts.keys()])) {
    if (before.counts.get(t) !== after.counts.get(t)) out.push(`rows of ${t}: ${before.counts.get(t)} → ${after.counts.get(t)}`);
  }
  const was = new Set(before.jobs);
  const is = new Set(after.jobs);
  for (const j of after.jobs) if (!was.has(j)) out.push(`job queued or changed: ${j}`);
  for (const j of before.jobs) if (!is.has(j)) out.push(`job removed or changed: ${j}`);
  if (before.jobs.length !== after.jobs.length) out.push(`jobs: ${before.jobs.length} → ${after.jobs.length}`);
  return out;
}
