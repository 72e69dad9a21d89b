import { Client, type ClientConfig } from 'pg';
import { logger } from '@genaug/kernel';

/**
 * One LISTEN connection per process, waking consumers when events are appended.
 * It reconnects on its own; consumers also poll, so a lost notification only delays them.
 */
export class EventNotifier {
  private client: Client | null = null;
  private listeners = new Set<() => void>();
  private keyListeners = new Set<(keyId: string) => void>();
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly config: ClientConfig) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Erased subject keys, so every process drops them from its cache at once. */
  onKeyErased(listener: (keyId: string) => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    client.on('notification', (msg) => {
      if (msg.channel === 'genaug_keys') this.keyListeners.forEach((l) => l(msg.payload ?? ''));
      else this.listeners.forEach((l) => l());
    });
    client.on('error', (err) => {
      logger.warn({ err: err.message }, 'event notifier connection lost');
      this.reconnectLater();
    });
    try {
      await client.connect();
      await client.query('listen genaug_events; listen genaug_keys');
      this.client = client;
    } catch (err) {
      client.end().catch(() => undefined);
      if (this.stopped) return;
      logger.warn({ err: (err as Error).message }, 'event notifier could not connect');
      this.reconnectLater();
    }
  }

  private reconnectLater(): void {
    if (this.stopped || this.retry) return;
    this.client?.end().catch(() => undefined);
    this.client = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
