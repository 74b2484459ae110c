/** Open subscriptions of this process (a gauge for metrics, and proof that disconnects clean up). */
let open = 0;

export function openSubscriptions(): number {
  return open;
}

/**
 * Wraps a subscription's event stream so that it counts as open until graphql-ws ends it
 * (client `complete`, socket closed, server shutdown). A plain iterator rather than an async
 * generator: a generator waiting for its next event cannot run `return()` until that event
 * comes, which would keep the listener of an idle subscription alive after its client left.
 */
export function tracked<T>(source: AsyncIterable<T>): AsyncIterableIterator<T> {
  const inner = source[Symbol.asyncIterator]();
  let done = false;
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      open--;
      await inner.return?.();
    }
    return { done: true, value: undefined };
  };
  open++;
  return {
    async next() {
      if (done) return { done: true, value: undefined };
      const result = await inner.next();
      if (result.done) return finish();
      return result;
    },
    return: finish,
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
