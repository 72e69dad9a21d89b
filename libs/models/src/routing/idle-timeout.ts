/**
 * Passes a stream on, failing when it goes quiet: each event, the first one included, must
 * arrive within `ms`. A stalled upstream times out; a long answer that keeps flowing does not.
 * On timeout `onTimeout` runs (it aborts the upstream request) and the iteration throws.
 */
export async function* withIdleTimeout<T>(source: AsyncIterable<T>, ms: number, onTimeout: () => Error): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (true) {
      const next = iterator.next();
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      });
      let result: IteratorResult<T>;
      try {
        result = await Promise.race([next, quiet]);
      } catch (err) {
        // The abandoned read settles once the upstream request is aborted; nobody awaits it.
        next.catch(() => undefined);
        finished = true;
        throw err;
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // Stopped early by the consumer: let the source clean up, without waiting on it.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
