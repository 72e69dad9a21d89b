// Server-sent events as the specification writes them: `event` equals the payload's `type`,
// the payload is one line of JSON, and each event is one string so it is written whole
// (a client never sees half an event from us, even if the connection splits it).

export function encodeSseEvent(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A comment line: keeps proxies from closing an idle stream, ignored by every SSE parser. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** The specification's terminal event after the last response event. */
export const SSE_DONE = 'data: [DONE]\n\n';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Stops nginx-style proxies from buffering the stream.
  'x-accel-buffering': 'no',
} as const;
