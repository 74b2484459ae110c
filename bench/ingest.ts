/**
 * `npm run bench -- ingest`: users upserted per second and events tracked per second through
 * the GraphQL API, in batches of 1,000, against the service running as its own process.
 * Options (env): BENCH_USERS (default 100,000), BENCH_EVENTS (default 200,000), BENCH_CONCURRENCY (4).
 */
import { dropDatabase, gql, machine, pool, startService, tuneDatabase } from './harness';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCH = 1000;

const UPSERT = 'mutation($input: [UserInput!]!) { upsertUsers(input: $input) { id } }';
const TRACK = 'mutation($input: [EventInput!]!) { trackEvents(input: $input) { accepted duplicates } }';

async function main(): Promise<void> {
  const db = 'segments_bench_ingest';
  const database = await tuneDatabase();
  await dropDatabase(db);
  const svc = await startService(db, 4310);
  try {
    const userBatches = Math.ceil(USERS / BATCH);
    let t0 = performance.now();
    await pool(userBatches, CONCURRENCY, async (b) => {
      const input = Array.from({ length: BATCH }, (_, i) => {
        const n = b * BATCH + i;
        return { externalId: `u${n}`, email: `user${n}@example.com`, firstName: 'Ann', country: n % 3 ? 'Poland' : 'Germany', marketingConsent: n % 2 === 0, lastSeenAt: new Date(Date.now() - (n % 90) * 86_400_000).toISOString(), attributes: { plan: n % 4 ? 'free' : 'pro', seats: n % 50 } };
      });
      await gql(svc.url, svc.token, UPSERT, { input });
    });
    const createSecs = (performance.now() - t0) / 1000;

    t0 = performance.now();
    await pool(userBatches, CONCURRENCY, async (b) => {
      const input = Array.from({ length: BATCH }, (_, i) => ({ externalId: `u${b * BATCH + i}`, city: 'Kraków', attributes: { seats: i } }));
      await gql(svc.url, svc.token, UPSERT, { input });
    });
    const updateSecs = (performance.now() - t0) / 1000;

    const eventBatches = Math.ceil(EVENTS / BATCH);
    t0 = performance.now();
    let accepted = 0;
    await pool(eventBatches, CONCURRENCY, async (b) => {
      const input = Array.from({ length: BATCH }, (_, i) => {
        const n = b * BATCH + i;
        return { userExternalId: `u${n % USERS}`, name: n % 5 ? 'page_view' : 'order_completed', properties: { total: n % 900, path: '/pricing' }, messageId: `m${n}`, occurredAt: new Date(Date.now() - (n % 365) * 86_400_000).toISOString() };
      });
      const r = await gql<{ trackEvents: { accepted: number } }>(svc.url, svc.token, TRACK, { input });
      accepted += r.trackEvents.accepted;
    });
    const eventSecs = (performance.now() - t0) / 1000;
    if (accepted !== eventBatches * BATCH) throw new Error(`expected ${eventBatches * BATCH} accepted events, got ${accepted}`);

    const report = {
      machine: await machine(),
      database,
      concurrency: CONCURRENCY,
      batch: BATCH,
      usersCreatedPerSecond: Math.round(USERS / createSecs),
      usersUpdatedPerSecond: Math.round(USERS / updateSecs),
      eventsPerSecond: Math.round((eventBatches * BATCH) / eventSecs),
      users: USERS,
      events: eventBatches * BATCH,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await svc.stop();
    await dropDatabase(db);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
