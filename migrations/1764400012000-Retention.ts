import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for keeping the sync records bounded (RetentionService) and for finding the runs that
 * are still RUNNING without reading every run ever recorded: a full sync marks its segment's
 * stale RUNNING runs as failed, and the recovery job looks for RUNNING runs every lock lifetime;
 * both read `(status, segment_id)` now, not a segment's whole run list or the whole table.
 * `ix_started` and `ix_finished` let the retention job find runs and finished webhook deliveries
 * past their time.
 * `segments.history_pruned_until`: the cutoff up to which the segment's history was last pruned;
 * the next run reads only the rows that aged past the cutoff since (NULL: not pruned yet).
 */
export class Retention1764400012000 implements MigrationInterface {
  name = 'Retention1764400012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE segment_sync_runs ADD KEY ix_status (status, segment_id), ADD KEY ix_started (started_at)');
    await q.query('ALTER TABLE segments ADD COLUMN history_pruned_until DATETIME(3) NULL');
    await q.query('ALTER TABLE webhook_deliveries ADD KEY ix_finished (finished_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_deliveries DROP KEY ix_finished');
    await q.query('ALTER TABLE segments DROP COLUMN history_pruned_until');
    await q.query('ALTER TABLE segment_sync_runs DROP KEY ix_status, DROP KEY ix_started');
  }
}
