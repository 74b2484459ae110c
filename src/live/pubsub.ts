/**
 * The pub/sub behind the subscriptions: in memory for one process, or on Redis (REDIS_URL) so
 * that subscribers on any API process receive changes made by any process.
 */
import { createPubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { setMaxListeners } from 'node:events';
import Redis from 'ioredis';
import type { PubSub } from 'type-graphql';

export interface LivePubSub {
  readonly pubSub: PubSub;
  /** Null when ready, else why not (Redis unreachable). */
  readiness(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * @param namespace prefixes every Redis channel (the database name), so that services on
 *   different databases can share one Redis without hearing each other.
 */
export function createLivePubSub(redisUrl: string | null, namespace = 'segments'): LivePubSub {
  if (!redisUrl) {
    const eventTarget = new EventTarget();
    unlimitedListeners(eventTarget);
    return { pubSub: createPubSub({ eventTarget }), readiness: async () => null, close: async () => undefined };
  }
  const options = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false } as const;
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, options);
  // Errors are reported through readiness; ioredis reconnects by itself.
  publishClient.on('error', () => undefined);
  subscribeClient.on('error', () => undefined);
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  unlimitedListeners(eventTarget);
  const inner = createPubSub({ eventTarget });
  const channel = (topic: string) => `${namespace}:${topic}`;
  const pubSub: PubSub = {
    publish: (topic, ...args) => inner.publish(channel(topic) as never, ...(args as [never])),
    subscribe: (topic) => inner.subscribe(channel(topic) as never),
  };
  return {
    pubSub,
    async readiness() {
      if (publishClient.status !== 'ready' || subscribeClient.status !== 'ready') return 'redis unreachable';
      try {
        await Promise.race([publishClient.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))]);
        return null;
      } catch {
        return 'redis unreachable';
      }
    },
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

/** Every subscriber is a listener: thousands are expected, so Node's leak warning (at 11) is off. */
function unlimitedListeners(target: unknown): void {
  try {
    setMaxListeners(0, target as EventTarget);
  } catch {
    /* not a Node EventTarget: it has no such warning */
  }
}
