import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Freshness: for each real-time segment and each object whose result can change merely because
 * time passes, the earliest moment it can (see src/core/filter/moments.ts). Syncs and real-time
 * evaluations rewrite an object's row; the time sweep re-evaluates the rows whose moment has
 * come, read through `ix_due`.
 */
export class TimeTriggers1764400006000 implements MigrationInterface {
  name = 'TimeTriggers1764400006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE segment_time_triggers (
      segment_id BIGINT UNSIGNED NOT NULL,
      object_id BIGINT UNSIGNED NOT NULL,
      due_at DATETIME(3) NOT NULL,
      PRIMARY KEY (segment_id, object_id),
      KEY ix_due (due_at, segment_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS segment_time_triggers');
  }
}
