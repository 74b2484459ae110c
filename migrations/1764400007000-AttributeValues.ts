import { MigrationInterface, QueryRunner } from 'typeorm';
import { OBJECT_TYPES } from '../src/core/object-types';
import { backfillAttributeValues } from '../src/db/attribute-values';

/**
 * attribute_values: the typed filter index of custom attributes, beside the `attributes` JSON
 * that stays the record (decision and figures: BENCHMARKS.md, "Custom attribute storage"). One
 * row per object and key whose value the filter can read; the value in the column of its type
 * (a string that is an ISO date fills str_value and date_value). Filters read one range of the
 * index of their value column, `(workspace_id, object_type, attr_key, <value>)`.
 *
 * - attr_key is binary like attribute_definitions.attr_key: `Score` and `score` are two keys.
 * - str_value holds the documented 1,000 characters in the Unicode collation of every text
 *   column (case- and accent-insensitive); 1,000 utf8mb4 characters exceed InnoDB's 3,072-byte
 *   key, so its index takes a 191-character prefix (as users.email does) and MariaDB checks the
 *   full value in the row.
 *
 * The backfill fills the index from the existing JSON of the six object tables with the
 * writer the service uses (src/db/attribute-values.ts), one `INSERT … SELECT` per 50,000 ids; the
 * CREATE TABLE commits implicitly, so each chunk commits on its own. A table left by an
 * interrupted run (or by the old `bench attributes` prototype) is derived data: it is rebuilt.
 * Processes of the previous version do not write the index: stop them before migrating.
 */
export class AttributeValues1764400007000 implements MigrationInterface {
  name = 'AttributeValues1764400007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS attribute_values');
    await q.query(`CREATE TABLE attribute_values (
      workspace_id BIGINT UNSIGNED NOT NULL,
      object_type TINYINT UNSIGNED NOT NULL,
      object_id BIGINT UNSIGNED NOT NULL,
      attr_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      str_value VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci NULL,
      num_value DOUBLE NULL,
      date_value DATETIME(3) NULL,
      bool_value TINYINT(1) NULL,
      PRIMARY KEY (workspace_id, object_type, object_id, attr_key),
      KEY ix_str (workspace_id, object_type, attr_key, str_value(191)),
      KEY ix_num (workspace_id, object_type, attr_key, num_value),
      KEY ix_date (workspace_id, object_type, attr_key, date_value),
      KEY ix_bool (workspace_id, object_type, attr_key, bool_value)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    for (const type of OBJECT_TYPES) await backfillAttributeValues((sql, params) => q.query(sql, params), type);
    await q.query('ANALYZE TABLE attribute_values');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS attribute_values');
  }
}
