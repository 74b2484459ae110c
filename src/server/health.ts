/** GET /healthz: the process is alive. GET /readyz: the database answers and no migration is pending. */
import express, { Router } from 'express';
import { DataSource } from 'typeorm';

export function healthRouter(ds: DataSource, extraChecks: ReadonlyArray<() => Promise<string | null>>): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const problems: string[] = [];
    try {
      await ds.query('SELECT 1');
      if (await ds.showMigrations()) problems.push('migrations pending');
    } catch {
      problems.push('database unreachable');
    }
    for (const check of extraChecks) {
      const problem = await check().catch(() => 'check failed');
      if (problem) problems.push(problem);
    }
    res.status(problems.length ? 503 : 200).json(problems.length ? { status: 'not ready', problems } : { status: 'ready' });
  });
  return router;
}
