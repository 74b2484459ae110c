/** Wires the use cases to one data source; the adapters (GraphQL, jobs, CLI) receive this. */
import { DataSource } from 'typeorm';
import { AttributeService } from './attribute.service';
import { AuthService } from './auth.service';
import { ChangeFeed } from './change-feed';
import { EventService } from './event.service';
import { FilterService } from './filter.service';
import { ListService } from './list.service';
import { ObjectQueryService } from './object-query.service';
import { ObjectService } from './object.service';
import { TagService } from './tag.service';
import { WorkspaceService } from './workspace.service';
import { createLogger, Logger } from '../logger';
import { SegmentExplainService } from './segment-explain.service';
import { SegmentReadService } from './segment-read.service';
import { SegmentService } from './segment.service';
import { SegmentSyncService } from './segment-sync.service';
import { SegmentTimeService } from './segment-time.service';
import { InlineScheduler } from './segment-scheduler';
import { WebhookService } from './webhook.service';
import { RetentionService } from './retention.service';

export interface Services {
  readonly dataSource: DataSource;
  readonly changes: ChangeFeed;
  readonly auth: AuthService;
  readonly workspaces: WorkspaceService;
  readonly attributes: AttributeService;
  readonly objects: ObjectService;
  readonly objectQueries: ObjectQueryService;
  readonly events: EventService;
  readonly tags: TagService;
  readonly lists: ListService;
  readonly filters: FilterService;
  readonly segments: SegmentService;
  readonly segmentSyncs: SegmentSyncService;
  readonly segmentTimes: SegmentTimeService;
  readonly segmentReads: SegmentReadService;
  readonly segmentExplain: SegmentExplainService;
  readonly webhooks: WebhookService;
  readonly retention: RetentionService;
}

/**
 * Wires the services. Syncs run inline (in this process) until a job runner replaces the
 * scheduler with `segments.useScheduler(...)` and `segmentTimes.useScheduler(...)`.
 */
export interface ServiceOptions {
  /** Whether time-relative results are re-evaluated at their moment (TIME_TRIGGERS, default true). */
  readonly timeTriggers?: boolean;
  /** Size limit of each in-memory staging table of a sync or a change preview (default 1 GiB); larger sets stage on disk. */
  readonly stagingMemoryBytes?: number;
  /** History rows per statement of a large membership change (default 20,000). */
  readonly historyChunk?: number;
  /** A fixed horizon for the kept moments, in ms (MOMENT_HORIZON_MS; default per segment: twice its interval + 30 min). */
  readonly momentHorizonMs?: number;
}

export function createServices(ds: DataSource, logger: Logger = silentLogger(), options: ServiceOptions = {}): Services {
  const changes = new ChangeFeed();
  const attributes = new AttributeService(ds);
  const lists = new ListService(ds, changes);
  const filters = new FilterService(ds, attributes, lists);
  const segmentSyncs = new SegmentSyncService(ds, filters, logger, { timeTriggers: options.timeTriggers, stagingMemoryBytes: options.stagingMemoryBytes, historyChunk: options.historyChunk, momentHorizonMs: options.momentHorizonMs });
  const segments = new SegmentService(ds, filters, segmentSyncs);
  const inline = new InlineScheduler((id, trigger) => segmentSyncs.sync(id, trigger));
  segments.useScheduler(inline);
  const segmentTimes = new SegmentTimeService(ds, segmentSyncs, logger);
  segmentTimes.useScheduler(inline);
  return {
    dataSource: ds,
    changes,
    auth: new AuthService(ds),
    workspaces: new WorkspaceService(ds),
    attributes,
    objects: new ObjectService(ds, attributes, changes),
    objectQueries: new ObjectQueryService(ds, attributes),
    events: new EventService(ds, changes),
    tags: new TagService(ds, changes),
    lists,
    filters,
    segments,
    segmentSyncs,
    segmentTimes,
    segmentReads: new SegmentReadService(ds, filters, { stagingMemoryBytes: options.stagingMemoryBytes }),
    segmentExplain: new SegmentExplainService(ds, filters),
    webhooks: new WebhookService(ds, logger),
    retention: new RetentionService(ds, logger),
  };
}

function silentLogger(): Logger {
  return createLogger('silent');
}
