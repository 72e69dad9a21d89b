import { Client, type ClientConfig } from 'pg';
import { logger } from '@genaug/kernel';

/**
 * One LISTEN connection per process, waking consumers when events are appended.
 * It reconnects on its own; consumers also poll, so a lost notification only delays them.
 */
export class EventNotifier {
  private client: Client | null = null;
  private listeners = new Set<(payload: string) => void>();
  private keyListeners = new Set<(keyId: string | null) => void>();
  /** Listeners of other slices' channels (see `onChannel`). */
  private channels = new Map<string, Set<(payload: string | null) => void>>();
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private connectedOnce = false;

  constructor(private readonly config: ClientConfig) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /** `listener` gets the notification's payload: empty for appends, a notice otherwise. */
  subscribe(listener: (payload: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Erased subject keys, so every process drops them from its cache at once. `null` means
   * notifications may have been missed (the connection was lost): drop every cached key.
   */
  onKeyErased(listener: (keyId: string | null) => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  /**
   * Notifications on a slice's own channel (`pg_notify(channel, payload)`); `null` means some
   * may have been missed while the connection was lost.
   */
  onChannel(channel: string, listener: (payload: string | null) => void): () => void {
    if (!/^genaug_[a-z_]+$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
    let listeners = this.channels.get(channel);
    if (!listeners) {
      this.channels.set(channel, (listeners = new Set()));
      // Already listening on the others: this one joins them now (a failure is a lost connection).
      this.client?.query(`listen ${channel}`).catch(() => undefined);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    client.on('notification', (msg) => {
      if (msg.channel === 'genaug_keys') this.keyListeners.forEach((l) => l(msg.payload ?? ''));
      else if (msg.channel === 'genaug_events') this.listeners.forEach((l) => l(msg.payload ?? ''));
      else this.channels.get(msg.channel)?.forEach((l) => l(msg.payload ?? ''));
    });
    const lost = (reason: string) => {
      // Events from a connection we already replaced or closed are not news.
      if (this.client !== client) return;
      logger.warn({ err: reason }, 'event notifier connection lost');
      this.reconnectLater();
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
      await client.query(['genaug_events', 'genaug_keys', ...this.channels.keys()].map((c) => `listen ${c}`).join('; '));
    } catch (err) {
      client.end().catch(() => undefined);
      if (this.stopped) return;
      logger.warn({ err: (err as Error).message }, 'event notifier could not connect');
      this.reconnectLater();
      return;
    }
    if (this.stopped) {
      // stop() ran while we were connecting.
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.connectedOnce) {
      // Whatever happened while we were away was not heard: wake consumers, forget cached keys.
      this.keyListeners.forEach((l) => l(null));
      this.listeners.forEach((l) => l(''));
      for (const listeners of this.channels.values()) listeners.forEach((l) => l(null));
    }
    this.connectedOnce = true;
  }

  private reconnectLater(): void {
    if (this.stopped || this.retry) return;
    const old = this.client;
    this.client = null;
    old?.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
