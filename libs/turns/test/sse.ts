/** Reads an SSE body into {event, data} pairs (tests only: the SDKs have their own parser). */
export async function readSse(res: Response, onEvent?: (e: { event: string; data: any }) => boolean | void): Promise<{ event: string; data: any }[]> {
  const out: { event: string; data: any }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let idx: number;
    while ((idx = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      if (block.startsWith(':')) continue;
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      if (data === '[DONE]') continue;
      const e = { event, data: JSON.parse(data) };
      out.push(e);
      if (onEvent?.(e) === false) {
        await reader.cancel();
        return out;
      }
    }
  }
  return out;
}
