import { MigrationInterface, QueryRunner } from 'typeorm';
import { agendaJobsTableDdl } from '../src/agenda-mysql';

/**
 * The Agenda job queue table, with the DDL the backend itself exports so that schema and
 * queries cannot drift apart. The service passes `ensureSchema: false`: this migration owns it.
 */
export class AgendaJobs1764400001000 implements MigrationInterface {
  name = 'AgendaJobs1764400001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(agendaJobsTableDdl('agenda_jobs'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS agenda_jobs');
  }
}
