import { encodeSseEvent, SSE_DONE, SSE_HEADERS, SSE_KEEP_ALIVE } from '@genaug/responses';

const KEEP_ALIVE_MS = 15_000;

/**
 * Writes a response stream to the raw socket: each event whole in one write, keep-alive
 * comments while idle. A client that goes away stops the writes, never the turn.
 */
export class SseWriter {
  private open = true;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly raw: import('http').ServerResponse,
    headers: Record<string, string>,
  ) {
    raw.writeHead(200, { ...SSE_HEADERS, ...headers });
    raw.on('close', () => (this.open = false));
    this.timer = setInterval(() => this.write(SSE_KEEP_ALIVE), KEEP_ALIVE_MS);
    this.timer.unref();
  }

  get connected(): boolean {
    return this.open && !this.raw.destroyed && this.raw.writable;
  }

  event(event: { type: string }): void {
    this.write(encodeSseEvent(event));
  }

  end(): void {
    clearInterval(this.timer);
    if (this.connected) {
      this.raw.write(SSE_DONE);
      this.raw.end();
    }
  }

  private write(chunk: string): void {
    if (this.connected) this.raw.write(chunk);
  }
}
