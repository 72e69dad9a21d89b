"""A real HTTP server on localhost that answers as the API would.

Each test queues the answers and reads back what the SDK sent.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit

Answer = Callable[["Exchange"], None]


class Exchange:
    """One request as received, plus ways to answer it."""

    def __init__(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        self.handler = handler
        url = urlsplit(handler.path)
        self.method = handler.command
        self.path = url.path
        self.query = dict(parse_qsl(url.query))
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.body = body

    def json(self, status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> None:
        raw = json.dumps(body).encode("utf-8")
        self.handler.send_response(status)
        self.handler.send_header("Content-Type", "application/json")
        self.handler.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.handler.send_header(name, value)
        self.handler.end_headers()
        self.handler.wfile.write(raw)

    def start_stream(self) -> None:
        self.handler.send_response(200)
        self.handler.send_header("Content-Type", "text/event-stream")
        self.handler.send_header("Connection", "close")
        self.handler.end_headers()
        self.handler.wfile.flush()

    def write(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()


class ContractServer:
    def __init__(self) -> None:
        self.received: List[Exchange] = []
        self.answers: List[Answer] = []
        self.fallback: Answer = lambda ex: ex.json(404, {"error": {"message": "no answer", "type": "not_found_error", "code": "not_found", "param": None}, "reason": "not_found"})
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                exchange = Exchange(self, json.loads(raw) if raw else None)
                server.received.append(exchange)
                answer = server.answers.pop(0) if server.answers else server.fallback
                try:
                    answer(exchange)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll interval keeps shutdown quick.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def start(self) -> "ContractServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def reset(self) -> None:
        self.received.clear()
        self.answers.clear()


def error_body(error_type: str, code: str, message: str, **extra: Any) -> Dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "code": code, "param": None}, "reason": code, **extra}


def completed_response(text: str, **fields: Any) -> Dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "balanced",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
            }
        ],
        "usage": {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13},
        "metadata": {"general_augment_request_id": "req_app_123", "general_augment_trace_id": "trace_1"},
        **fields,
    }
