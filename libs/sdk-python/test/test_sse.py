import io
import unittest

from genaug import SseParser
from genaug.sse import read_server_sent_events

STREAM = (
    ": keep-alive\n\n"
    'event: response.created\ndata: {"type":"response.created"}\n\n'
    "event: note\r\ndata: first line\r\ndata: second line\r\n\r\n"
    "data:no-space\rid: 7\r\r"
    "event: response.output_text.delta\ndata:  two spaces keep one\n\n"
)

EXPECTED = [
    {"event": "response.created", "data": '{"type":"response.created"}'},
    {"event": "note", "data": "first line\nsecond line"},
    {"event": "message", "data": "no-space", "id": "7"},
    {"event": "response.output_text.delta", "data": " two spaces keep one", "id": "7"},
]


def parse_in_pieces(text, cuts):
    parser = SseParser()
    out = []
    start = 0
    for cut in list(cuts) + [len(text)]:
        out.extend(parser.feed(text[start:cut]))
        start = cut
    return out + parser.end()


class OneByteAtATime(io.RawIOBase):
    def __init__(self, data):
        self.data = data

    def read1(self, n):
        chunk, self.data = self.data[:1], self.data[1:]
        return chunk


class SseParserTest(unittest.TestCase):
    def test_line_endings_comments_multiline_data_and_ids(self):
        self.assertEqual(parse_in_pieces(STREAM, []), EXPECTED)

    def test_same_events_however_the_stream_is_cut(self):
        for cut in range(1, len(STREAM)):
            self.assertEqual(parse_in_pieces(STREAM, [cut]), EXPECTED, f"cut at {cut}")
        self.assertEqual(parse_in_pieces(STREAM, range(1, len(STREAM))), EXPECTED)

    def test_events_without_data_are_skipped_and_an_unterminated_one_kept(self):
        self.assertEqual(parse_in_pieces("event: ping\n\nretry: 10\n\ndata: tail", []), [{"event": "message", "data": "tail"}])

    def test_reads_bytes_splitting_multibyte_characters(self):
        raw = 'data: {"delta":"café 👋"}\r\n\r\n'.encode("utf-8")
        self.assertEqual(list(read_server_sent_events(OneByteAtATime(raw))), [{"event": "message", "data": '{"delta":"café 👋"}'}])


if __name__ == "__main__":
    unittest.main()
