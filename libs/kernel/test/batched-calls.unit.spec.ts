import { BatchedCalls } from '@genaug/kernel';

describe('batched calls', () => {
  function recorder(holdFirst = true) {
    const batches: number[][] = [];
    let release: (() => void) | null = null;
    const calls = new BatchedCalls<number, number>(
      async (items) => {
        batches.push(items);
        // The first batch is held until released, so the next calls pile up behind it.
        if (holdFirst && batches.length === 1) await new Promise<void>((r) => (release = r));
        return items.map((i) => i * 10);
      },
      { lazyMs: 5 },
    );
    return { calls, batches, release: () => release?.() };
  }

  it('sends calls made together at once, and those arriving meanwhile together next, in order', async () => {
    const { calls, batches, release } = recorder();
    const first = [calls.call(1), calls.call(2)];
    await Promise.resolve();
    expect(batches).toEqual([[1, 2]]);
    const rest = [calls.call(3), calls.call(4, true), calls.call(5)];
    await Promise.resolve();
    expect(batches).toEqual([[1, 2]]);
    release();
    expect(await Promise.all([...first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('lets a lazy call wait for company, then go alone', async () => {
    const { calls, batches } = recorder(false);
    const lazy = calls.call(7, true);
    expect(batches).toEqual([]);
    await calls.call(8);
    expect(batches).toEqual([[7, 8]]);
    expect(await lazy).toBe(70);
    const alone = await calls.call(9, true);
    expect(alone).toBe(90);
    expect(batches).toEqual([[7, 8], [9]]);
  });

  it('starts again for a call made right after a batch returns', async () => {
    const { calls, batches, release } = recorder();
    const first = calls.call(1).then(() => calls.call(2));
    await Promise.resolve();
    release();
    expect(await first).toBe(20);
    expect(batches).toEqual([[1], [2]]);
    await calls.flush();
  });
});
