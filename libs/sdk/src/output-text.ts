// The assistant's text in a response: every output_text part of every message, in order.
export function responseOutputText(response: { output?: ReadonlyArray<unknown> | null } | null | undefined): string {
  let text = '';
  for (const item of response?.output ?? []) {
    if (!item || typeof item !== 'object') continue;
    const { type, content } = item as { type?: unknown; content?: unknown };
    if (type !== 'message' || !Array.isArray(content)) continue;
    for (const part of content) {
      if (part && part.type === 'output_text' && typeof part.text === 'string') text += part.text;
    }
  }
  return text;
}
