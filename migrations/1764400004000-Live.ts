import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox of membership changes: written in the same transaction as the change of cached
 * results (sync or real-time), then claimed and published by whichever process is alive, so no
 * event leaves before its data is committed and nothing committed goes unpublished.
 */
export class Live1764400004000 implements MigrationInterface {
  name = 'Live1764400004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE segment_change_events (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      segment_id BIGINT UNSIGNED NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      trigger_kind ENUM('SCHEDULE','MANUAL','DEFINITION_CHANGED','REALTIME','DEPENDENCY','TIME') NOT NULL,
      previous_count INT NOT NULL,
      member_count INT NOT NULL,
      entered_count INT NOT NULL,
      exited_count INT NOT NULL,
      entered_ids JSON NOT NULL,
      exited_ids JSON NOT NULL,
      at DATETIME(3) NOT NULL,
      published_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      KEY ix_unpublished (published_at, id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS segment_change_events');
  }
}
