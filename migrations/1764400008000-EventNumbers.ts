import { MigrationInterface, QueryRunner } from 'typeorm';
import { backfillEventNumbers } from '../src/db/event-numbers';

/**
 * event_numbers: the numeric event properties outside the `properties` JSON, which stays the
 * record (src/core/filter/event-numbers.ts). SUM/AVG/MIN/MAX of a property read a covering
 * range instead of every matching event's JSON; decision and figures in BENCHMARKS.md
 * ("Filters", 2).
 *
 * - Primary key (event_id, prop_key): rows arrive in event order (appends), and the foreign key
 *   to events deletes them with their event, whoever deletes it (user deletes, benchmark
 *   clean-ups).
 * - prop_key is binary ASCII: keys the filter can name match `^[A-Za-z_][A-Za-z0-9_]{0,63}$`, and
 *   JSON keys are case-sensitive (`Total` is not `total`). name is in the Unicode collation of
 *   events.name (names compare as strings compare).
 * - Two covering secondary indexes (each costs ingestion about as much as an index of events;
 *   BENCHMARKS.md, "Filters", 2, and "Ingestion"):
 *   ix_user (workspace, name, key, user, time, value, product): one user's S (restricted ids,
 *   real time: equality on four columns, then the window) and every user's S over all time (one
 *   range read in user order: a GROUP BY without a temporary table);
 *   ix_time (workspace, name, key, time, user, value, product): every owner's S in a window, only
 *   the window's range (30 days on 1M users: 0.2 s instead of 1.8 s through ix_user).
 *   Every product's S reads the same ranges (few products: a small temporary table). One
 *   product's S stays on events' (workspace, product, name, time) index (compile-event.ts): a
 *   product-first index was left out.
 *
 * The backfill fills the table from the existing events with the writer the service uses
 * (src/db/event-numbers.ts), one `INSERT … SELECT` per 200,000 ids; the CREATE TABLE commits
 * implicitly, so each chunk commits on its own. A table left by an interrupted run is derived
 * data: it is rebuilt. Processes of the previous version do not write the table: stop their
 * ingestion before migrating.
 */
export class EventNumbers1764400008000 implements MigrationInterface {
  name = 'EventNumbers1764400008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS event_numbers');
    await q.query(`CREATE TABLE event_numbers (
      event_id BIGINT UNSIGNED NOT NULL,
      prop_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      workspace_id BIGINT UNSIGNED NOT NULL,
      user_id BIGINT UNSIGNED NOT NULL,
      product_id BIGINT UNSIGNED NULL,
      name VARCHAR(255) NOT NULL,
      occurred_at DATETIME(3) NOT NULL,
      num_value DOUBLE NOT NULL,
      PRIMARY KEY (event_id, prop_key),
      KEY ix_user (workspace_id, name, prop_key, user_id, occurred_at, num_value, product_id),
      KEY ix_time (workspace_id, name, prop_key, occurred_at, user_id, num_value, product_id),
      CONSTRAINT fk_event_numbers_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await backfillEventNumbers((sql, params) => q.query(sql, params));
    await q.query('ANALYZE TABLE event_numbers');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS event_numbers');
  }
}
