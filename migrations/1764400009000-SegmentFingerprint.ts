import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fingerprint of each segment's cached results beside its count: the sum of the member ids
 * and the XOR of a 64-bit hash of each (see `compileFingerprintQuery`). Every change of the
 * results updates both in its transaction; a sync whose filter gives the same count, sum and hash
 * skips staging the whole set and the anti-joins. NULL until the segment's next full sync.
 */
export class SegmentFingerprint1764400009000 implements MigrationInterface {
  name = 'SegmentFingerprint1764400009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE segments ADD COLUMN member_sum DECIMAL(65, 0) NULL, ADD COLUMN member_hash BIGINT UNSIGNED NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE segments DROP COLUMN member_sum, DROP COLUMN member_hash');
  }
}
