import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks for automations. `webhook_segments` says which segments a webhook follows (deleting a
 * segment drops it from its webhooks by cascade); `webhook_deliveries` holds one row per change
 * event, webhook and kind (ENTERED/EXITED), written in the transaction that claims the change,
 * with a copy of what is sent so that every attempt posts the same bytes. `next_attempt_at` is
 * when the next attempt is due (or, while one is in flight, when it is considered lost).
 */
export class Webhooks1764400005000 implements MigrationInterface {
  name = 'Webhooks1764400005000';

  async up(q: QueryRunner): Promise<void> {
    const table = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci';
    await q.query(`CREATE TABLE webhooks (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      url VARCHAR(2000) NOT NULL,
      events SET('ENTERED','EXITED') NOT NULL,
      secret VARCHAR(100) NOT NULL,
      created_by BIGINT UNSIGNED NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY ix_workspace (workspace_id, id)) ${table}`);
    await q.query(`CREATE TABLE webhook_segments (
      webhook_id BIGINT UNSIGNED NOT NULL,
      segment_id BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (webhook_id, segment_id),
      KEY ix_segment (segment_id, webhook_id),
      CONSTRAINT fk_webhook_segments_webhook FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE,
      CONSTRAINT fk_webhook_segments_segment FOREIGN KEY (segment_id) REFERENCES segments (id) ON DELETE CASCADE) ${table}`);
    await q.query(`CREATE TABLE webhook_deliveries (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      webhook_id BIGINT UNSIGNED NOT NULL,
      segment_id BIGINT UNSIGNED NOT NULL,
      change_event_id BIGINT UNSIGNED NOT NULL,
      event_kind ENUM('ENTERED','EXITED') NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      trigger_kind ENUM('SCHEDULE','MANUAL','DEFINITION_CHANGED','REALTIME','DEPENDENCY','TIME') NOT NULL,
      object_count INT NOT NULL,
      object_ids JSON NOT NULL,
      event_at DATETIME(3) NOT NULL,
      status ENUM('PENDING','SUCCEEDED','FAILED') NOT NULL DEFAULT 'PENDING',
      attempts INT NOT NULL DEFAULT 0,
      next_attempt_at DATETIME(3) NULL,
      last_attempt_at DATETIME(3) NULL,
      last_http_status SMALLINT NULL,
      last_error VARCHAR(1000) NULL,
      created_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY ux_change (change_event_id, webhook_id, event_kind),
      KEY ix_webhook (workspace_id, webhook_id, id),
      KEY ix_due (status, next_attempt_at)) ${table}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['webhook_deliveries', 'webhook_segments', 'webhooks']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
