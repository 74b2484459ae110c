/**
 * GET /readyz says not ready (503) while a migration is pending, and ready again once it is
 * applied; /healthz (alive) is 200 throughout. A database or Redis that cannot be reached is in
 * faults-database.spec.ts and faults-redis.spec.ts.
 */
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as unknown };
};

test('/readyz is 503 while a migration is pending, 200 once it is applied', async () => {
  expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

  // The last migration "not applied yet": its row gone from the migrations table (its schema is
  // there, which TypeORM does not look at: pending means a migration file without its row).
  const [last] = await server.db.dataSource.query('SELECT id, timestamp, name FROM typeorm_migrations ORDER BY timestamp DESC LIMIT 1') as Array<{ id: number; timestamp: string; name: string }>;
  await server.db.dataSource.query('DELETE FROM typeorm_migrations WHERE id = ?', [last.id]);
  try {
    expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'not ready', problems: ['migrations pending'] } });
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  } finally {
    await server.db.dataSource.query('INSERT INTO typeorm_migrations (id, timestamp, name) VALUES (?, ?, ?)', [last.id, last.timestamp, last.name]);
  }
  expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
});
