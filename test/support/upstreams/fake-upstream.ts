import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// The part every fake model upstream shares: a real HTTP server on 127.0.0.1 with an ephemeral
// port, a record of the calls it received, and scriptable behaviour (replies, delays, failures).
// Each protocol (fake-openai.ts, fake-anthropic.ts) supplies only its wire format.

export interface FakeToolCall {
  id?: string;
  name: string;
  /** The arguments object, or its JSON text exactly as the model would stream it. */
  arguments: string | Record<string, unknown>;
}

export interface FakeReply {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** Reported usage; estimated from the request and reply (4 characters a token) when absent. */
  usage?: { inputTokens: number; outputTokens: number; cachedTokens?: number };
  /** Defaults to tool_calls when the reply calls tools, else stop. */
  finishReason?: 'stop' | 'length' | 'tool_calls';
}

export interface FakeUpstreamOptions {
  /** What the model answers: fixed, or computed from the request body and the call's number (0-based). */
  reply?: FakeReply | ((body: any, call: number) => FakeReply);
  /** Wait before answering, e.g. longer than a client's timeout to cause one. */
  delayMs?: number;
  /** Pause between streamed chunks; a whole (non-streamed) answer waits for all of them. */
  chunkDelayMs?: number;
  /**
   * Answer the next `count` calls with this status (429, 500, 503, 529…) and an error body,
   * counted from when this value was set.
   */
  failFirst?: { count: number; status: number; retryAfterSeconds?: number; message?: string };
  /** The key callers must send; any other key gets a 401. */
  apiKey?: string;
  /** Stream the start of the answer, then drop the connection or stop sending (stall). */
  breakMidStream?: 'drop' | 'stall';
  /** For benchmarks: no pauses, and each response written in one piece. */
  zeroLatency?: boolean;
}

export interface FakeCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeUpstream {
  /** What to pass the official client as its base URL. */
  url: string;
  /** Every request received, failed ones included, in order. */
  calls: FakeCall[];
  /** Live options: change them between calls to change the behaviour. */
  options: FakeUpstreamOptions;
  close(): Promise<void>;
}

/** A protocol's wire format, given a normalised reply. */
export interface UpstreamProtocol {
  /** The path model calls are POSTed to, e.g. /v1/chat/completions. */
  path: string;
  /** The path prefix the client's base URL ends with ("/v1" for OpenAI). */
  basePath: string;
  keyOf(headers: IncomingHttpHeaders): string | undefined;
  errorBody(status: number, message: string): unknown;
  isStream(body: any): boolean;
  defaultReply(body: any): FakeReply;
  json(body: any, reply: ResolvedReply): unknown;
  /** SSE frames, and the index of the first frame carrying answer content. */
  sse(body: any, reply: ResolvedReply): { frames: string[]; firstContent: number };
  /** Where the protocol counts a request's input tokens without answering it, and its answer. */
  count?: { path: string; answer(body: any): unknown };
}

export interface ResolvedReply {
  text: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: { inputTokens: number; outputTokens: number; cachedTokens?: number };
  finishReason: 'stop' | 'length' | 'tool_calls';
}

export async function startFakeUpstream(protocol: UpstreamProtocol, options: FakeUpstreamOptions): Promise<FakeUpstream> {
  const calls: FakeCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let modelCalls = 0;
  const failuresSent = new WeakMap<object, number>();

  // Resolves false when the caller hung up meanwhile (e.g. it timed out).
  const wait = (ms: number, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (res.destroyed) return resolve(false);
      if (ms <= 0) return resolve(true);
      const onClose = () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, ms);
      timers.add(timer);
      res.once('close', onClose);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, 400, protocol.errorBody(400, 'Request body is not valid JSON'));
    }
    const path = (req.url ?? '').split('?')[0];
    calls.push({ method: req.method ?? '', path, headers: req.headers, body });
    const counting = protocol.count && req.method === 'POST' && path === protocol.count.path;
    if (!counting && (req.method !== 'POST' || path !== protocol.path)) return send(res, 404, protocol.errorBody(404, `No route ${req.method} ${path}`));
    if (options.apiKey !== undefined && protocol.keyOf(req.headers) !== options.apiKey) {
      return send(res, 401, protocol.errorBody(401, 'Invalid API key'));
    }
    if (counting) return send(res, 200, protocol.count!.answer(body));
    const call = modelCalls++;
    const latency = options.zeroLatency ? 0 : (options.delayMs ?? 0);
    if (!(await wait(latency, res))) return;
    const failure = options.failFirst;
    const sent = failure ? (failuresSent.get(failure) ?? 0) : 0;
    if (failure && sent < failure.count) {
      failuresSent.set(failure, sent + 1);
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      return send(res, failure.status, protocol.errorBody(failure.status, failure.message ?? `Simulated failure ${sent + 1} of ${failure.count}`), headers);
    }
    const scripted = typeof options.reply === 'function' ? options.reply(body, call) : (options.reply ?? protocol.defaultReply(body));
    const reply = resolveReply(scripted, body);
    const { frames, firstContent } = protocol.sse(body, reply);
    if (!protocol.isStream(body)) {
      // A whole answer takes as long to generate as the streamed one.
      if (!options.zeroLatency && !(await wait((options.chunkDelayMs ?? 0) * frames.length, res))) return;
      return send(res, 200, protocol.json(body, reply));
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const breaks = options.breakMidStream;
    if (options.zeroLatency && !breaks) return res.end(frames.join(''));
    for (let i = 0; i < frames.length; i++) {
      if (res.destroyed) return;
      res.write(frames[i]);
      if (breaks && i >= firstContent) {
        // A stalled answer stays open until the caller gives up (or the server closes).
        if (breaks === 'stall') return;
        // Let the content reach the client before the connection goes.
        await wait(20, res);
        return res.destroy();
      }
      if (!(await wait(options.chunkDelayMs ?? 0, res))) return;
    }
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, protocol.errorBody(500, String(err)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${protocol.basePath}`,
    calls,
    options,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function resolveReply(reply: FakeReply, body: any): ResolvedReply {
  const text = reply.text ?? '';
  const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? `call_fake_${i + 1}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const usage = reply.usage ?? {
    inputTokens: Math.ceil(JSON.stringify(body?.messages ?? body ?? '').length / 4),
    outputTokens: Math.ceil((text + toolCalls.map((c) => c.name + c.arguments).join('')).length / 4),
  };
  return { text, toolCalls, usage, finishReason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop') };
}

/** Splits text into word-sized pieces, as models stream it. */
export function textPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text ? [text] : []);
}

/** Splits JSON text into a few pieces, as models stream tool arguments. */
export function jsonPieces(json: string, size = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

export function lastUserText(messages: any[] | undefined): string {
  const user = [...(messages ?? [])].reverse().find((m) => m?.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  return (user.content ?? []).filter((p: any) => p?.type === 'text').map((p: any) => p.text).join('\n');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
