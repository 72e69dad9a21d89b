interface Pending<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Coalesces concurrent calls: calls made together (in one tick) go at once, in one call; those
 * arriving while it runs go together in the next. One database round for many callers costs far
 * less than a round each (the usage ledger, the event store's appends). A lone call waits for
 * nothing, except a `lazy` one: it rides along with the next call, or goes on its own after
 * `lazyMs`.
 */
export class BatchedCalls<I, O> {
  private queue: Pending<I, O>[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private starting = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: { maxBatch?: number; lazyMs?: number } = {},
  ) {}

  call(item: I, lazy = false): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running || this.starting) return;
      if (!lazy) {
        // After the current tick, so the calls made along with this one join it.
        this.starting = true;
        queueMicrotask(() => this.start());
      } else if (!this.timer) this.timer = setTimeout(() => this.start(), this.options.lazyMs ?? 0);
    });
  }

  /** Sends what is waiting now and resolves once nothing is left (shutdown). */
  async flush(): Promise<void> {
    if (!this.running) this.start();
    while (this.running) await this.running;
  }

  private start(): void {
    this.starting = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || !this.queue.length) return;
    this.running = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch ?? 128);
      try {
        const out = await this.run(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(out[i]));
      } catch (err) {
        batch.forEach((p) => p.reject(err));
      }
    }
    // In the same tick as the last check of the queue: a call arriving later starts a new drain.
    this.running = null;
  }
}
