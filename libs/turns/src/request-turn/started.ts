/**
 * Starts iterating `source` now (its first step runs while the caller awaits something else)
 * and hands back an iterable that continues from there. A failure of that first step is
 * thrown when it is reached, not before.
 */
export function started<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | null = iterator.next();
  first.catch(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const step = first ?? iterator.next();
        first = null;
        return step;
      },
      return: async (value?: unknown) => (await iterator.return?.(value)) ?? { done: true, value: undefined },
    }),
  };
}
