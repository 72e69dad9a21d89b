import { SseParser, type ServerSentEvent } from '@genaug/sdk';

/** Feeds `text` cut at every given offset, as a network might deliver it. */
function parseInPieces(text: string, cuts: number[]): ServerSentEvent[] {
  const parser = new SseParser();
  const out: ServerSentEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.feed(text.slice(from, cut)));
    from = cut;
  }
  return [...out, ...parser.end()];
}

const everyOffset = (text: string) => Array.from({ length: text.length - 1 }, (_, i) => i + 1);

describe('SseParser', () => {
  const stream =
    ': keep-alive\n\n' +
    'event: response.created\ndata: {"type":"response.created"}\n\n' +
    'event: note\r\ndata: first line\r\ndata: second line\r\n\r\n' +
    'data:no-space\rid: 7\r\r' +
    'event: response.output_text.delta\ndata:  two spaces keep one\n\n';

  const expected: ServerSentEvent[] = [
    { event: 'response.created', data: '{"type":"response.created"}' },
    { event: 'note', data: 'first line\nsecond line' },
    { event: 'message', data: 'no-space', id: '7' },
    { event: 'response.output_text.delta', data: ' two spaces keep one', id: '7' },
  ];

  it('parses LF, CRLF and CR line endings, comments, multi-line data and ids', () => {
    expect(parseInPieces(stream, [])).toEqual(expected);
  });

  it('gives the same events however the stream is cut, including between CR and LF', () => {
    for (const cut of everyOffset(stream)) expect(parseInPieces(stream, [cut])).toEqual(expected);
    expect(parseInPieces(stream, everyOffset(stream))).toEqual(expected);
  });

  it('ignores events without data and keeps an unterminated last event', () => {
    expect(parseInPieces('event: ping\n\nretry: 10\n\ndata: tail', [])).toEqual([{ event: 'message', data: 'tail' }]);
  });
});
