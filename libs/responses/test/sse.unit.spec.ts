import { encodeSseEvent, parseCreateResponseRequest, ResponseSequencer, SSE_DONE, SSE_KEEP_ALIVE } from '@genaug/responses';

describe('SSE encoding', () => {
  it('writes one whole event: event name equal to type, one line of JSON, blank line', () => {
    const event = { type: 'response.output_text.delta', sequence_number: 4, delta: 'two\nlines "quoted"' };
    const frame = encodeSseEvent(event);
    expect(frame).toBe(`event: response.output_text.delta\ndata: ${JSON.stringify(event)}\n\n`);
    const lines = frame.split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[1].slice('data: '.length))).toEqual(event);
  });

  it('has a keep-alive comment and the terminal [DONE] event', () => {
    expect(SSE_KEEP_ALIVE).toBe(': keep-alive\n\n');
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
  });

  it('round-trips a whole sequenced stream', () => {
    const request = parseCreateResponseRequest({ model: 'simple', input: 'hi' });
    const seq = new ResponseSequencer({ request, responseId: 'resp_x' });
    const events = [
      ...seq.push({ type: 'text.delta', delta: 'Hel' }),
      ...seq.push({ type: 'text.delta', delta: 'lo\r\n\u2028!' }),
      ...seq.push({ type: 'completed', usage: { inputTokens: 1, outputTokens: 2 } }),
    ];
    const body = events.map(encodeSseEvent).join('') + SSE_KEEP_ALIVE + SSE_DONE;
    const frames = body.split('\n\n').filter(Boolean);
    const parsed = frames
      .filter((f) => !f.startsWith(':') && f !== 'data: [DONE]')
      .map((f) => {
        const [eventLine, dataLine, ...rest] = f.split('\n');
        expect(rest).toEqual([]);
        const data = JSON.parse(dataLine.slice('data: '.length));
        expect(eventLine).toBe(`event: ${data.type}`);
        return data;
      });
    expect(parsed).toEqual(JSON.parse(JSON.stringify(events)));
    expect(frames.at(-1)).toBe('data: [DONE]');
  });
});
