interface Pending<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Coalesces concurrent calls: the first goes at once; those arriving while it runs go together
 * in the next call. Every turn of a project locks the same ledger rows, so one call locking them
 * for many turns costs far less than many calls each waiting for the others. A lone call waits
 * for nothing.
 */
export class BatchedCalls<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 128,
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const out = await this.run(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(out[i]));
      } catch (err) {
        batch.forEach((p) => p.reject(err));
      }
    }
    this.running = false;
  }
}
