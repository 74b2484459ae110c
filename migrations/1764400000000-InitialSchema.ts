import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workspaces, agents, the six object tables, events, tags, static lists and attribute
 * definitions. Every table is utf8mb4 with a Unicode collation (case- and accent-insensitive
 * comparisons, as SEMANTICS.md asks), every time is DATETIME(3) in UTC, and every index starts
 * with workspace_id because every read is scoped to one workspace.
 */
export class InitialSchema1764400000000 implements MigrationInterface {
  name = 'InitialSchema1764400000000';

  async up(q: QueryRunner): Promise<void> {
    const table = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci';
    // Object ids come from id_sequences (allocated in blocks before a batch insert), not from
    // AUTO_INCREMENT: MySQL 8's interleaved auto-increment mode does not promise consecutive ids
    // for a multi-row INSERT, and a batch upsert must know the ids it created.
    const objectColumns = `
      id BIGINT UNSIGNED NOT NULL,
      workspace_id BIGINT UNSIGNED NOT NULL,
      external_id VARCHAR(255) NULL,
      attributes JSON NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL`;
    const objectKeys = `
      PRIMARY KEY (id),
      UNIQUE KEY uq_external (workspace_id, external_id),
      KEY ix_workspace_created (workspace_id, created_at, id)`;

    await q.query(`CREATE TABLE workspaces (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      name VARCHAR(255) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id)) ${table}`);
    await q.query(`CREATE TABLE agents (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      name VARCHAR(255) NOT NULL,
      email VARCHAR(320) NOT NULL,
      role ENUM('ADMIN','AGENT') NOT NULL,
      token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_token (token_hash),
      UNIQUE KEY uq_email (workspace_id, email),
      CONSTRAINT fk_agents_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE) ${table}`);

    await q.query(`CREATE TABLE id_sequences (
      name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      next_id BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (name)) ${table}`);
    await q.query(`INSERT INTO id_sequences (name, next_id) VALUES
      ('users', 1), ('companies', 1), ('products', 1), ('deals', 1), ('activities', 1), ('tickets', 1)`);

    await q.query(`CREATE TABLE companies (${objectColumns},
      name VARCHAR(1000) NOT NULL,
      industry VARCHAR(1000) NULL,
      country VARCHAR(1000) NULL,
      employees INT NULL,
      annual_revenue DOUBLE NULL,
      ${objectKeys}) ${table}`);
    await q.query(`CREATE TABLE users (${objectColumns},
      email VARCHAR(1000) NULL,
      first_name VARCHAR(1000) NULL,
      last_name VARCHAR(1000) NULL,
      phone VARCHAR(1000) NULL,
      country VARCHAR(1000) NULL,
      city VARCHAR(1000) NULL,
      marketing_consent TINYINT(1) NOT NULL DEFAULT 0,
      last_seen_at DATETIME(3) NULL,
      company_id BIGINT UNSIGNED NULL,
      ${objectKeys},
      KEY ix_company (workspace_id, company_id),
      KEY ix_email (workspace_id, email(191)),
      KEY ix_last_seen (workspace_id, last_seen_at)) ${table}`);
    await q.query(`CREATE TABLE products (${objectColumns},
      sku VARCHAR(1000) NULL,
      name VARCHAR(1000) NOT NULL,
      category VARCHAR(1000) NULL,
      price DOUBLE NULL,
      stock INT NULL,
      ${objectKeys}) ${table}`);
    await q.query(`CREATE TABLE deals (${objectColumns},
      name VARCHAR(1000) NOT NULL,
      value DOUBLE NULL,
      currency VARCHAR(1000) NULL,
      stage VARCHAR(1000) NULL,
      status VARCHAR(1000) NOT NULL,
      expected_close_at DATETIME(3) NULL,
      closed_at DATETIME(3) NULL,
      owner_id VARCHAR(255) NULL,
      user_id BIGINT UNSIGNED NULL,
      company_id BIGINT UNSIGNED NULL,
      ${objectKeys},
      KEY ix_user (workspace_id, user_id),
      KEY ix_company (workspace_id, company_id)) ${table}`);
    await q.query(`CREATE TABLE activities (${objectColumns},
      type VARCHAR(1000) NOT NULL,
      subject VARCHAR(1000) NULL,
      status VARCHAR(1000) NOT NULL,
      due_at DATETIME(3) NULL,
      completed_at DATETIME(3) NULL,
      assignee_id VARCHAR(255) NULL,
      user_id BIGINT UNSIGNED NULL,
      deal_id BIGINT UNSIGNED NULL,
      ${objectKeys},
      KEY ix_user (workspace_id, user_id),
      KEY ix_deal (workspace_id, deal_id)) ${table}`);
    await q.query(`CREATE TABLE tickets (${objectColumns},
      subject VARCHAR(1000) NOT NULL,
      status VARCHAR(1000) NOT NULL,
      priority VARCHAR(1000) NOT NULL,
      channel VARCHAR(1000) NULL,
      resolved_at DATETIME(3) NULL,
      assignee_id VARCHAR(255) NULL,
      user_id BIGINT UNSIGNED NULL,
      ${objectKeys},
      KEY ix_user (workspace_id, user_id)) ${table}`);

    await q.query(`CREATE TABLE events (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      user_id BIGINT UNSIGNED NOT NULL,
      product_id BIGINT UNSIGNED NULL,
      name VARCHAR(255) NOT NULL,
      occurred_at DATETIME(3) NOT NULL,
      properties JSON NOT NULL,
      message_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_message (workspace_id, message_id),
      KEY ix_user_name_time (workspace_id, user_id, name, occurred_at),
      KEY ix_product_name_time (workspace_id, product_id, name, occurred_at)) ${table}`);

    await q.query(`CREATE TABLE object_tags (
      workspace_id BIGINT UNSIGNED NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      object_id BIGINT UNSIGNED NOT NULL,
      tag VARCHAR(255) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (workspace_id, object_type, object_id, tag),
      KEY ix_tag (workspace_id, object_type, tag, object_id)) ${table}`);

    await q.query(`CREATE TABLE static_lists (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      workspace_id BIGINT UNSIGNED NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      name VARCHAR(255) NOT NULL,
      description TEXT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY ix_workspace (workspace_id, object_type)) ${table}`);
    await q.query(`CREATE TABLE list_members (
      list_id BIGINT UNSIGNED NOT NULL,
      object_id BIGINT UNSIGNED NOT NULL,
      added_at DATETIME(3) NOT NULL,
      PRIMARY KEY (list_id, object_id),
      KEY ix_object (object_id),
      CONSTRAINT fk_list_members_list FOREIGN KEY (list_id) REFERENCES static_lists (id) ON DELETE CASCADE) ${table}`);

    await q.query(`CREATE TABLE attribute_definitions (
      workspace_id BIGINT UNSIGNED NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      attr_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      type ENUM('STRING','NUMBER','BOOLEAN','DATE') NOT NULL,
      label VARCHAR(255) NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (workspace_id, object_type, attr_key)) ${table}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['attribute_definitions', 'list_members', 'static_lists', 'object_tags', 'events', 'tickets',
      'activities', 'deals', 'products', 'users', 'companies', 'id_sequences', 'agents', 'workspaces']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
