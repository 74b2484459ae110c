/**
 * A graphql-ws test client that queues what arrives, so a test can wait for the next message or
 * assert that nothing arrived.
 */
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription<T> {
  /** The next payload, or an error after `ms`. */
  next(ms?: number): Promise<T>;
  /** Everything received so far (and not yet taken by next). */
  readonly queue: T[];
  readonly errors: unknown[];
  close(): void;
}

export function wsClient(url: string, token: string | null): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams: token ? { Authorization: `Bearer ${token}` } : {}, retryAttempts: 0, lazy: true });
}

export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const queue: T[] = [];
  const errors: unknown[] = [];
  const waiters: Array<() => void> = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors) errors.push(msg.errors);
        else queue.push(msg.data as T);
        waiters.splice(0).forEach((w) => w());
      },
      error: (e) => {
        errors.push(e);
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => undefined,
    },
  );
  return {
    queue,
    errors,
    async next(ms = 5_000) {
      const deadline = Date.now() + ms;
      while (queue.length === 0) {
        if (errors.length) throw new Error(`subscription error: ${JSON.stringify(errors[0])}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no message arrived in time');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
      return queue.shift()!;
    },
    close: dispose,
  };
}

/** Resolves once the client's socket is connected and acknowledged. */
export function connected(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('connected', () => { off(); resolve(); });
  });
}
