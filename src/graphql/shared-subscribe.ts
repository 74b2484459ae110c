/**
 * graphql-ws `subscribe` that executes each event once per selection, not once per subscriber.
 *
 * graphql-js's `subscribe` runs `execute` for every event and every subscriber: with 5,000 clients
 * watching one segment's count, one change meant 5,000 executions of the same few fields on the
 * same payload (BENCHMARKS.md "Live": p99 1.3 s to reach all of them). The broadcast payload is one
 * object per process (built once by the publisher, see live/change-publisher.ts), and the two
 * subscription fields return it as is, so the response depends only on the payload, the operation
 * and its variables: per-subscriber rules (workspace, visibility, arguments) are applied before,
 * on the source stream, by the subscription resolvers. So the first subscriber to reach an event
 * executes it, and every other subscriber with the same operation text, operation name and
 * variables reuses that result (a WeakMap on the payload: it goes when the payload goes).
 */
import { createSourceEventStream, execute, ExecutionArgs, ExecutionResult, print } from 'graphql';

/** Executions made, and responses reused, since start (for tests and metrics). */
export const sharedExecutionStats = { executions: 0, reused: 0 };

const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
const keys = new WeakMap<object, string>();

export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source; // errors from the subscribe resolver (e.g. NOT_FOUND)
  const key = `${selectionOf(args)}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  return mapEvents(source, (payload) => {
    if (typeof payload !== 'object' || payload === null) return executeOnce(args, payload);
    let byKey = results.get(payload);
    if (!byKey) results.set(payload, (byKey = new Map()));
    const known = byKey.get(key);
    if (known) {
      sharedExecutionStats.reused++;
      return known;
    }
    const result = executeOnce(args, payload);
    byKey.set(key, result);
    return result;
  });
}

async function executeOnce(args: ExecutionArgs, payload: unknown): Promise<ExecutionResult> {
  sharedExecutionStats.executions++;
  return execute({ ...args, rootValue: payload });
}

/** The operation's text, printed once per parsed document. */
function selectionOf(args: ExecutionArgs): string {
  let text = keys.get(args.document);
  if (text === undefined) keys.set(args.document, (text = print(args.document)));
  return text;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** Maps an async iterable; `return` (a client unsubscribing or leaving) reaches the source. */
function mapEvents<T, R>(source: AsyncIterable<T>, fn: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const it = source[Symbol.asyncIterator]();
  const close = async () => {
    await it.return?.();
  };
  const generator: AsyncIterableIterator<R> = {
    async next() {
      const step = await it.next();
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await fn(step.value), done: false };
      } catch (error) {
        await close();
        throw error;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return generator;
    },
  };
  return generator;
}
