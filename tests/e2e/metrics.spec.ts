/** GET /metrics: Prometheus text with requests by operation, syncs, queue depth, subscriptions and the pool. */
import { CreateSegmentDocument, MeDocument } from '../generated/graphql';
import { startTestServer, TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

const scrape = async () => (await fetch(`${server.url}/metrics`)).text();
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

test('exposes request counts and latencies by operation, sync runs, queue depth, subscriptions and pool use', async () => {
  await server.client.ok(MeDocument, {});
  await server.client.ok(MeDocument, {});
  await server.client.ok(CreateSegmentDocument, { input: { objectType: 'USER', name: 'M', filter: { tag: { tag: 'x' } } } });
  const text = await scrape();
  expect(value(text, 'segments_graphql_requests_total{operation="Me",type="query",outcome="ok"}')).toBe(2);
  expect(value(text, 'segments_graphql_request_duration_seconds_count{operation="Me",type="query"}')).toBe(2);
  expect(value(text, 'segments_sync_duration_seconds_count{trigger="DEFINITION_CHANGED",status="SUCCEEDED"}')).toBe(1);
  expect(text).toMatch(/^segments_jobs_due \d+$/m);
  expect(text).toMatch(/^segments_subscriptions_open \d+$/m);
  expect(value(text, 'segments_db_pool_connections{state="limit"}')).toBeGreaterThan(0);
  expect(text).toMatch(/^segments_process_(resident_memory_bytes|heap_bytes|process_cpu_seconds_total|nodejs_heap_size_used_bytes)\b/m);
});
