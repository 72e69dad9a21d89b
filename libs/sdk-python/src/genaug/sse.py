"""A server-sent events parser after the WHATWG rules.

Lines end in LF, CR or CRLF (even when a CRLF is split across chunks), ``:`` lines are
comments, several ``data:`` lines join with newlines, and a blank line dispatches the event.
"""

import codecs
from typing import BinaryIO, Callable, Dict, Iterator, List, Optional


class SseParser:
    def __init__(self) -> None:
        self._buffer = ""
        self._pending_cr = False
        self._event = ""
        self._data: List[str] = []
        self._id: Optional[str] = None

    def feed(self, text: str) -> List[Dict[str, str]]:
        """Feeds decoded text; returns the events it completed."""
        if self._pending_cr and text.startswith("\n"):
            text = text[1:]
        self._pending_cr = False
        self._buffer += text
        out: List[Dict[str, str]] = []
        start = 0
        i = 0
        buffer = self._buffer
        while i < len(buffer):
            c = buffer[i]
            if c == "\n" or c == "\r":
                line = buffer[start:i]
                if c == "\r":
                    if i + 1 == len(buffer):
                        self._pending_cr = True
                    elif buffer[i + 1] == "\n":
                        i += 1
                start = i + 1
                event = self._line(line)
                if event is not None:
                    out.append(event)
            i += 1
        self._buffer = buffer[start:]
        return out

    def end(self) -> List[Dict[str, str]]:
        """At the end of the stream: an event the server did not close with a blank line still counts."""
        out: List[Dict[str, str]] = []
        if self._buffer:
            event = self._line(self._buffer)
            self._buffer = ""
            if event is not None:
                out.append(event)
        last = self._dispatch()
        if last is not None:
            out.append(last)
        return out

    def _line(self, line: str) -> Optional[Dict[str, str]]:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> Optional[Dict[str, str]]:
        has_data = bool(self._data)
        event = {"event": self._event or "message", "data": "\n".join(self._data)}
        if self._id is not None:
            event["id"] = self._id
        self._event = ""
        self._data = []
        return event if has_data else None


def read_server_sent_events(stream: BinaryIO, on_chunk: Optional[Callable[[], None]] = None) -> Iterator[Dict[str, str]]:
    """Reads a byte stream (an HTTP response) as server-sent events, chunk by chunk."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    parser = SseParser()
    read = getattr(stream, "read1", None) or stream.read
    while True:
        chunk = read(65536)
        if not chunk:
            break
        if on_chunk:
            on_chunk()
        yield from parser.feed(decoder.decode(chunk))
    yield from parser.feed(decoder.decode(b"", final=True))
    yield from parser.end()
