/**
 * GET /metrics in Prometheus format: GraphQL requests and latencies by operation, sync
 * durations and results, evaluations deferred behind a busy segment, the job queue's depth, open
 * subscriptions and the database pool.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import express, { Router } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { openSubscriptions } from '../live/subscribers';
import type { SegmentSyncService } from '../services/segment-sync.service';
import type { SegmentTimeService } from '../services/segment-time.service';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'segments_graphql_requests_total', help: 'GraphQL operations by name, type and outcome', labelNames: ['operation', 'type', 'outcome'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'segments_graphql_request_duration_seconds', help: 'GraphQL operation latency by name and type', labelNames: ['operation', 'type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly syncs = new Histogram({
    name: 'segments_sync_duration_seconds', help: 'Full segment syncs by trigger and result', labelNames: ['trigger', 'status'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300], registers: [this.registry],
  });
  readonly timeLag = new Histogram({
    name: 'segments_time_trigger_lag_seconds', help: 'How late objects whose time-relative result was due were taken up by this process\'s time sweeps',
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300], registers: [this.registry],
  });
  readonly membershipRows = new Counter({ name: 'segments_membership_changes_total', help: 'Objects that entered or left cached results', labelNames: ['change'], registers: [this.registry] });
  readonly deferred = new Counter({
    name: 'segments_evaluations_deferred_total', help: 'Real-time and time evaluations that found their segment busy (its lock held, e.g. by a full sync) and were left for later',
    labelNames: ['trigger'], registers: [this.registry],
  });

  constructor(ds: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'segments_process_' });
    new Gauge({ name: 'segments_subscriptions_open', help: 'Open GraphQL subscriptions in this process', registers: [this.registry], collect() { this.set(openSubscriptions()); } });
    new Gauge({
      name: 'segments_jobs_due', help: 'Jobs due and not locked (queue depth)', registers: [this.registry],
      async collect() {
        const [{ n }] = (await ds.query('SELECT COUNT(*) AS n FROM agenda_jobs WHERE next_run_at <= NOW(3) AND locked_at IS NULL AND disabled = 0').catch(() => [{ n: -1 }])) as Array<{ n: number }>;
        this.set(Number(n));
      },
    });
    new Gauge({
      name: 'segments_db_pool_connections', help: 'Database pool connections by state', labelNames: ['state'], registers: [this.registry],
      collect() {
        const pool = (ds.driver as unknown as { pool?: { _allConnections?: { length: number }; _freeConnections?: { length: number }; config?: { connectionLimit?: number } } }).pool;
        const all = pool?._allConnections?.length ?? 0;
        const free = pool?._freeConnections?.length ?? 0;
        this.set({ state: 'in_use' }, all - free);
        this.set({ state: 'idle' }, free);
        this.set({ state: 'limit' }, pool?.config?.connectionLimit ?? 0);
      },
    });
  }

  /** Counts the syncs' applied changes (each delta is a committed change of cached results) and the evaluations deferred. */
  observeSyncs(syncs: SegmentSyncService): void {
    syncs.onBusy((_segmentId, trigger) => this.deferred.inc({ trigger }));
    syncs.onRun((run) => this.syncs.observe({ trigger: run.trigger, status: run.status }, (run.durationMs ?? 0) / 1000));
    syncs.onDelta((delta) => {
      this.membershipRows.inc({ change: 'entered' }, delta.enteredCount);
      this.membershipRows.inc({ change: 'exited' }, delta.exitedCount);
    });
  }

  /** Observes the time sweeps that run in this process (ROLE=all or worker). */
  observeTimeSweeps(times: SegmentTimeService): void {
    times.onSweep((result) => result.lagsMs.forEach((ms) => this.timeLag.observe(ms / 1000)));
  }

  /** Apollo plugin: one count and one latency sample per operation. */
  apolloPlugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => {
        const start = process.hrtime.bigint();
        return {
          willSendResponse: async ({ operationName, operation, errors }) => {
            const labels = { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'invalid' };
            this.latency.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
            this.requests.inc({ ...labels, outcome: errors?.length ? 'error' : 'ok' });
          },
        };
      },
    };
  }

  router(): Router {
    const router = express.Router();
    router.get('/metrics', async (_req, res) => {
      res.type(this.registry.contentType).send(await this.registry.metrics());
    });
    return router;
  }
}
