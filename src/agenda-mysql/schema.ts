/**
 * The jobs table: its DDL and the one identifier this module ever interpolates into SQL.
 */

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Checks a table name before it is interpolated into SQL (it is the only identifier that is).
 *
 * @returns the name, unchanged.
 * @throws Error when the name does not match `/^[A-Za-z_][A-Za-z0-9_]{0,63}$/`.
 */
export function assertValidTableName(tableName: string): string {
  if (typeof tableName !== 'string' || !TABLE_NAME.test(tableName)) {
    throw new Error(`invalid Agenda jobs table name ${JSON.stringify(tableName)}: expected ${TABLE_NAME}`);
  }
  return tableName;
}

/**
 * The `CREATE TABLE IF NOT EXISTS` statement for the Agenda jobs table.
 *
 * Times are `DATETIME(3)` holding UTC (the pool must use `timezone: 'Z'`); job data is JSON.
 * Strings use `utf8mb4_bin` so job names compare exactly, as they do in Agenda's other
 * backends (a case-insensitive collation would let `sendMail` and `sendmail` share a
 * `single` job and hand one name's jobs to the other's worker).
 *
 * @param tableName - validated with {@link assertValidTableName}.
 * @returns one SQL statement, idempotent.
 * @throws Error when the table name is invalid.
 */
export function agendaJobsTableDdl(tableName: string): string {
  const table = assertValidTableName(tableName);
  return `CREATE TABLE IF NOT EXISTS \`${table}\` (
  \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  \`name\` VARCHAR(255) NOT NULL,
  \`priority\` INT NOT NULL DEFAULT 0,
  -- Index order for "next job": earliest next_run_at first, then highest priority. MariaDB
  -- before 10.8 ignores DESC in index definitions, so the descending key is stored negated.
  \`neg_priority\` INT GENERATED ALWAYS AS (-\`priority\`) STORED,
  \`type\` VARCHAR(16) NOT NULL DEFAULT 'normal',
  -- Non-NULL only for type 'single' (every()): the unique key makes the upsert atomic.
  \`single_name\` VARCHAR(255) GENERATED ALWAYS AS (CASE WHEN \`type\` = 'single' THEN \`name\` END) STORED,
  \`next_run_at\` DATETIME(3) NULL,
  \`locked_at\` DATETIME(3) NULL,
  \`last_run_at\` DATETIME(3) NULL,
  \`last_finished_at\` DATETIME(3) NULL,
  \`failed_at\` DATETIME(3) NULL,
  \`fail_count\` INT NULL,
  \`fail_reason\` TEXT NULL,
  \`repeat_interval\` VARCHAR(255) NULL,
  \`repeat_timezone\` VARCHAR(64) NULL,
  \`repeat_at\` VARCHAR(255) NULL,
  \`data\` JSON NULL,
  \`disabled\` TINYINT(1) NOT NULL DEFAULT 0,
  \`progress\` DOUBLE NULL,
  \`fork\` TINYINT(1) NOT NULL DEFAULT 0,
  \`last_modified_by\` VARCHAR(255) NULL,
  \`start_date\` DATETIME(3) NULL,
  \`end_date\` DATETIME(3) NULL,
  \`skip_days\` VARCHAR(64) NULL,
  \`debounce_started_at\` DATETIME(3) NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`uq_single_name\` (\`single_name\`),
  KEY \`ix_name_next_run\` (\`name\`, \`next_run_at\`, \`neg_priority\`),
  KEY \`ix_name_locked\` (\`name\`, \`locked_at\`),
  KEY \`ix_next_run\` (\`next_run_at\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}
