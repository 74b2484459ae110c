import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segments and their cached results. `segment_members` is the cached result set (what readers
 * see); a sync replaces it with a set difference in one transaction, together with the count,
 * the run record and the history rows. `segment_dependencies` holds the segments and lists a
 * filter reads, for cycle detection, delete protection and dependency syncs.
 */
export class Segments1764400003000 implements MigrationInterface {
  name = 'Segments1764400003000';

  async up(q: QueryRunner): Promise<void> {
    const table = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci';
    await q.query(`CREATE TABLE segments (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      name VARCHAR(255) NOT NULL,
      description TEXT NULL,
      filter JSON NOT NULL,
      sync_interval_minutes INT NOT NULL,
      realtime TINYINT(1) NOT NULL,
      paused TINYINT(1) NOT NULL DEFAULT 0,
      member_count INT NOT NULL DEFAULT 0,
      sync_status ENUM('NEVER_SYNCED','QUEUED','RUNNING','IDLE','FAILED') NOT NULL DEFAULT 'NEVER_SYNCED',
      last_synced_at DATETIME(3) NULL,
      next_sync_at DATETIME(3) NULL,
      last_error TEXT NULL,
      created_by BIGINT UNSIGNED NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY ix_workspace (workspace_id, object_type),
      KEY ix_due (paused, next_sync_at)) ${table}`);
    await q.query(`CREATE TABLE segment_hidden_agents (
      segment_id BIGINT UNSIGNED NOT NULL,
      agent_id BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (segment_id, agent_id),
      KEY ix_agent (agent_id),
      CONSTRAINT fk_hidden_segment FOREIGN KEY (segment_id) REFERENCES segments (id) ON DELETE CASCADE) ${table}`);
    await q.query(`CREATE TABLE segment_dependencies (
      segment_id BIGINT UNSIGNED NOT NULL,
      kind ENUM('SEGMENT','LIST') NOT NULL,
      target_id BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (segment_id, kind, target_id),
      KEY ix_target (kind, target_id),
      CONSTRAINT fk_dep_segment FOREIGN KEY (segment_id) REFERENCES segments (id) ON DELETE CASCADE) ${table}`);
    await q.query(`CREATE TABLE segment_members (
      segment_id BIGINT UNSIGNED NOT NULL,
      object_id BIGINT UNSIGNED NOT NULL,
      joined_at DATETIME(3) NOT NULL,
      PRIMARY KEY (segment_id, object_id),
      KEY ix_joined (segment_id, joined_at, object_id)) ${table}`);
    await q.query(`CREATE TABLE segment_sync_runs (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      segment_id BIGINT UNSIGNED NOT NULL,
      workspace_id BIGINT UNSIGNED NOT NULL,
      trigger_kind ENUM('SCHEDULE','MANUAL','DEFINITION_CHANGED','REALTIME','DEPENDENCY','TIME') NOT NULL,
      status ENUM('RUNNING','SUCCEEDED','FAILED') NOT NULL,
      started_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NULL,
      duration_ms INT NULL,
      member_count INT NULL,
      entered INT NULL,
      exited INT NULL,
      error TEXT NULL,
      PRIMARY KEY (id),
      KEY ix_segment (segment_id, id)) ${table}`);
    await q.query(`CREATE TABLE segment_membership_history (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      segment_id BIGINT UNSIGNED NOT NULL,
      object_id BIGINT UNSIGNED NOT NULL,
      change_kind ENUM('ENTERED','EXITED') NOT NULL,
      trigger_kind ENUM('SCHEDULE','MANUAL','DEFINITION_CHANGED','REALTIME','DEPENDENCY','TIME') NOT NULL,
      run_id BIGINT UNSIGNED NULL,
      at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY ix_segment_at (segment_id, at, id),
      KEY ix_segment_object (segment_id, object_id, at, id)) ${table}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['segment_membership_history', 'segment_sync_runs', 'segment_members', 'segment_dependencies', 'segment_hidden_agents', 'segments']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
