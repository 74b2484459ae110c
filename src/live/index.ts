/**
 * The live side of a process: the pub/sub (memory or Redis), the outbox publisher (with its
 * sweeper for events whose maker died), and real-time re-evaluation of written objects.
 */
import type { Logger } from '../logger';
import { splitDatabaseUrl } from '../db/data-source';
import type { Services } from '../services';
import { ChangePublisher } from './change-publisher';
import { createLivePubSub, LivePubSub } from './pubsub';
import { RealtimeEvaluator, RealtimeOptions } from './realtime-evaluator';

export interface Live {
  readonly pubSub: LivePubSub['pubSub'];
  readonly publisher: ChangePublisher;
  readonly realtime: RealtimeEvaluator;
  readiness(): Promise<string | null>;
  /** Evaluates what is pending, stops the timers and closes Redis. */
  stop(): Promise<void>;
}

export function startLive(options: { services: Services; logger: Logger; redisUrl: string | null; namespace?: string; realtime?: RealtimeOptions; sweepMs?: number }): Live {
  const { services, logger } = options;
  const live = createLivePubSub(options.redisUrl, options.namespace ?? `segments:${databaseName(options.services)}`);
  const publisher = new ChangePublisher(services.dataSource, live.pubSub, logger);
  // Webhook deliveries are recorded in the transaction that claims each change: once per change.
  publisher.addSink(services.webhooks.sink);
  const unsubscribeDelta = services.segmentSyncs.onDelta((_delta, eventId) => {
    void publisher.publish(eventId).catch((error: unknown) => logger.warn({ err: error, eventId }, 'publishing a change failed; the sweeper retries'));
  });
  publisher.start(options.sweepMs ?? 1_000);
  const realtime = new RealtimeEvaluator(services.dataSource, services.filters, services.segmentSyncs, logger, options.realtime);
  const detach = realtime.attach(services.changes);
  return {
    pubSub: live.pubSub,
    publisher,
    realtime,
    readiness: () => live.readiness(),
    async stop() {
      detach();
      // Bounded: ids of a segment busy with a sync elsewhere stay deferred until its lock is free
      // (shutdown has a budget); stop() then drops them, and a later sync of that segment brings them in.
      await Promise.race([realtime.idle(), new Promise((r) => setTimeout(r, 2_000))]);
      realtime.stop();
      unsubscribeDelta();
      publisher.stop();
      await live.close();
    },
  };
}

function databaseName(services: Services): string {
  const url = (services.dataSource.options as { url?: string }).url;
  return url ? splitDatabaseUrl(url).database : 'default';
}
