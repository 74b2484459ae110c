import { createTestDatabase } from './db';
test('migrations create the schema', async () => {
  const db = await createTestDatabase();
  try {
    const rows = await db.dataSource.query('SHOW TABLES');
    expect(rows.map((r: Record<string, string>) => Object.values(r)[0])).toEqual(expect.arrayContaining(['users', 'events', 'object_tags']));
  } finally { await db.drop(); }
});
