import { jsonPieces, lastUserText, startFakeUpstream, textPieces, type FakeUpstream, type FakeUpstreamOptions, type ResolvedReply, type UpstreamProtocol } from './fake-upstream';

// The Anthropic Messages API, as api.anthropic.com speaks it: a JSON message, or SSE with
// message_start, content_block_start/delta/stop, message_delta and message_stop events.

const stopReason = (reason: ResolvedReply['finishReason']) =>
  reason === 'length' ? 'max_tokens' : reason === 'tool_calls' ? 'tool_use' : 'end_turn';

function usage(reply: ResolvedReply) {
  const cached = reply.usage.cachedTokens ?? 0;
  // Anthropic counts cache reads apart from input_tokens.
  return {
    input_tokens: reply.usage.inputTokens - cached,
    output_tokens: reply.usage.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

const errorType = (status: number) =>
  ({ 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error', 529: 'overloaded_error' })[
    status
  ] ?? 'api_error';

const messages: UpstreamProtocol = {
  path: '/v1/messages',
  // Counted as 4 characters a token of what the model would read, so a test can say what to expect.
  count: {
    path: '/v1/messages/count_tokens',
    answer: (body) => ({ input_tokens: Math.ceil(JSON.stringify([body?.system ?? null, body?.messages ?? [], body?.tools ?? []]).length / 4) }),
  },
  basePath: '',
  keyOf: (headers) => (headers['x-api-key'] as string | undefined) ?? headers.authorization?.replace(/^Bearer\s+/i, ''),
  errorBody: (status, message) => ({ type: 'error', error: { type: errorType(status), message } }),
  isStream: (body) => body?.stream === true,
  defaultReply: (body) => ({ text: `Hello from ${body?.model ?? 'the fake model'}. You said: ${lastUserText(body?.messages)}` }),
  json: (body, reply) => ({
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body?.model,
    content: [
      ...(reply.text ? [{ type: 'text', text: reply.text }] : []),
      ...reply.toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.arguments || '{}') })),
    ],
    stop_reason: stopReason(reply.finishReason),
    stop_sequence: null,
    usage: usage(reply),
  }),
  sse: (body, reply) => {
    const frames: string[] = [];
    const event = (type: string, data: object) => frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const start = usage(reply);
    event('message_start', {
      message: { id: 'msg_fake', type: 'message', role: 'assistant', model: body?.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...start, output_tokens: 1 } },
    });
    let index = 0;
    let firstContent = -1;
    if (reply.text) {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      event('ping', {});
      for (const piece of textPieces(reply.text)) {
        if (firstContent < 0) firstContent = frames.length;
        event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      }
      event('content_block_stop', { index });
      index++;
    }
    for (const call of reply.toolCalls) {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
      for (const piece of jsonPieces(call.arguments)) {
        if (firstContent < 0) firstContent = frames.length;
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
      event('content_block_stop', { index });
      index++;
    }
    event('message_delta', { delta: { stop_reason: stopReason(reply.finishReason), stop_sequence: null }, usage: { output_tokens: reply.usage.outputTokens } });
    event('message_stop', {});
    return { frames, firstContent: Math.max(firstContent, 0) };
  },
};

/** A local Anthropic Messages server; pass `url` to the @anthropic-ai/sdk client as `baseURL`. */
export function startFakeAnthropic(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeUpstream(messages, options);
}
