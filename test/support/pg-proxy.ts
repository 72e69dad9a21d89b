import * as net from 'net';

export interface PgProxy {
  /** The database URL through the proxy. */
  url: string;
  /** Drops every connection and refuses new ones, as a database restarting or a network cut does. */
  cut(): Promise<void>;
  /** Accepts connections again, passing replies as before. */
  restore(): Promise<void>;
  /**
   * The next statement sent with `marker` in it reaches the database, but its reply does not
   * come back: its connection drops a moment later, as one lost between a commit and its reply.
   * The client cannot tell whether the statement took effect.
   */
  loseReplyTo(marker: string): void;
  /** Cuts (as `cut`) just after the reply to the next statement sent with `marker` in it. */
  cutAfterReplyTo(marker: string): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy in front of a PostgreSQL URL, for tests of dropped connections. */
export async function startPgProxy(databaseUrl: string): Promise<PgProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let lostMarker: string | null = null;
  let cutMarker: { marker: string; done: () => void } | null = null;
  const server = net.createServer((client) => {
    let replying = true;
    let cutOnReply: (() => void) | null = null;
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (d: Buffer) => {
      if (lostMarker && d.includes(lostMarker)) {
        lostMarker = null;
        replying = false;
        setTimeout(() => client.destroy(), 300);
      }
      if (cutMarker && d.includes(cutMarker.marker)) {
        cutOnReply = cutMarker.done;
        cutMarker = null;
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (replying) client.write(d);
      const cut = cutOnReply;
      cutOnReply = null;
      if (cut) {
        // At once, before the client can send anything more: the reply is delivered, then its
        // connection closes; every other one drops and no new one is taken.
        sockets.delete(client);
        client.end();
        void stop().then(cut);
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: url.toString(),
    cut: stop,
    restore: async () => {
      if (!server.listening) await listen(port);
    },
    loseReplyTo: (marker) => {
      lostMarker = marker;
    },
    cutAfterReplyTo: (marker) => new Promise<void>((done) => (cutMarker = { marker, done })),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
