import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `segments.moments_until`: the end of the stretch of time for which `segment_time_triggers`
 * holds every moment of the segment (see SegmentMoments). A full sync writes the moments due
 * before its horizon (twice the sync interval and half an hour on), and real time writes only
 * moments before it: a moment days or weeks away is written by the sync before it comes due,
 * not by every write that makes an object newly active. NULL: no horizon yet (a segment synced
 * before this column, or one that keeps no moments): real time then writes every moment, as before.
 */
export class MomentHorizon1764400011000 implements MigrationInterface {
  name = 'MomentHorizon1764400011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE segments ADD COLUMN moments_until DATETIME(3) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE segments DROP COLUMN moments_until');
  }
}
