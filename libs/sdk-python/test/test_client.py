import os
import re
import subprocess
import sys
import threading
import time
import unittest
from email.utils import formatdate
from pathlib import Path
from unittest import mock

import genaug
from genaug import GeneralAugmentAPIError, GeneralAugmentClient, response_output_text

from contract_server import ContractServer, completed_response, error_body

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "text-stream.sse"


class ClientTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ContractServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.server.reset()
        self.sleeps = []

    def client(self, **options):
        settings = dict(api_key="gaadmlive_project_key", base_url=self.server.url, timeout=5, sleep=self.sleeps.append, random=lambda: 0.5)
        settings.update(options)
        return GeneralAugmentClient(**settings)

    def api_error(self, call):
        with self.assertRaises(GeneralAugmentAPIError) as caught:
            call()
        return caught.exception


class ResponsesTest(ClientTestCase):
    def test_reference_call_sends_headers_and_returns_the_response(self):
        self.server.answer(lambda ex: ex.json(200, completed_response("Next action: refund.")))
        response = self.client().create_response(
            {
                "model": "balanced",
                "user": "app-user-123",
                "input": "Summarize this support request and suggest the next action.",
                "metadata": {"feature": "support-triage"},
            },
            idempotency_key="support-thread-123-turn-1",
            request_id="req_app_123",
        )
        [req] = self.server.received
        self.assertEqual((req.method, req.path), ("POST", "/v1/responses"))
        self.assertEqual(req.headers["authorization"], "Bearer gaadmlive_project_key")
        self.assertEqual(req.headers["content-type"], "application/json")
        self.assertEqual(req.headers["x-idempotency-key"], "support-thread-123-turn-1")
        self.assertEqual(req.headers["x-request-id"], "req_app_123")
        self.assertEqual(req.headers["user-agent"], "general-augment-sdk-python/0.1.1")
        self.assertEqual(req.body["stream"], False)
        self.assertEqual(req.body["metadata"], {"feature": "support-triage"})
        self.assertEqual(response["id"], "resp_1")
        self.assertEqual(response_output_text(response), "Next action: refund.")

    def test_compact_response(self):
        compaction = {"id": "resp_7", "object": "response.compaction", "created_at": 1,
                      "output": [{"id": "cmp_1", "type": "compaction", "encrypted_content": "sealed"}],
                      "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}}
        self.server.answer(lambda ex: ex.json(200, compaction))
        compacted = self.client().compact_response(
            {"model": "balanced", "previous_response_id": "resp_6", "user": "app-user-123"}, idempotency_key="compact-1")
        req = self.server.received[0]
        self.assertEqual((req.method, req.path), ("POST", "/v1/responses/compact"))
        self.assertEqual(req.body, {"model": "balanced", "previous_response_id": "resp_6", "user": "app-user-123"})
        self.assertEqual(req.headers["x-idempotency-key"], "compact-1")
        self.assertEqual(compacted, compaction)

    def test_conversations(self):
        conversation = {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {"topic": "trip"}}
        page = {"object": "list", "data": [{"id": "msg_2", "type": "message"}], "first_id": "msg_2", "last_id": "msg_2", "has_more": True}
        self.server.answer(lambda ex: ex.json(200, conversation), lambda ex: ex.json(200, page), lambda ex: ex.json(200, conversation))
        made = self.client().create_conversation(items=[{"role": "user", "content": "Lisbon"}], metadata={"topic": "trip"}, user="app-user-1")
        items = self.client().list_conversation_items("conv_1", limit=1, order="asc", after="msg_1")
        after = self.client().delete_conversation_item("conv_1", "msg_2")
        self.assertEqual([(r.method, r.path) for r in self.server.received], [
            ("POST", "/v1/conversations"),
            ("GET", "/v1/conversations/conv_1/items"),
            ("DELETE", "/v1/conversations/conv_1/items/msg_2"),
        ])
        self.assertEqual(self.server.received[0].body, {"items": [{"role": "user", "content": "Lisbon"}], "metadata": {"topic": "trip"}, "user": "app-user-1"})
        self.assertEqual(self.server.received[1].query, {"limit": "1", "order": "asc", "after": "msg_1"})
        self.assertEqual([made, items, after], [conversation, page, conversation])

    def test_get_response(self):
        self.server.answer(lambda ex: ex.json(200, completed_response("stored", id="resp_42")))
        response = self.client().get_response("resp_42")
        self.assertEqual(self.server.received[0].path, "/v1/responses/resp_42")
        self.assertEqual(response["id"], "resp_42")

    def test_delete_response_and_the_other_conversation_helpers(self):
        calls = [
            (lambda c: c.delete_response("resp_42"), "DELETE", "/v1/responses/resp_42", None),
            (lambda c: c.get_conversation("conv_1"), "GET", "/v1/conversations/conv_1", None),
            (lambda c: c.update_conversation("conv_1", {"topic": "trip"}), "POST", "/v1/conversations/conv_1", {"metadata": {"topic": "trip"}}),
            (lambda c: c.delete_conversation("conv_1"), "DELETE", "/v1/conversations/conv_1", None),
            (lambda c: c.add_conversation_items("conv_1", [{"role": "user", "content": "hi"}]), "POST", "/v1/conversations/conv_1/items",
             {"items": [{"role": "user", "content": "hi"}]}),
            (lambda c: c.get_conversation_item("conv_1", "msg_1"), "GET", "/v1/conversations/conv_1/items/msg_1", None),
        ]
        for call, method, path, body in calls:
            self.server.received.clear()
            self.server.answer(lambda ex: ex.json(200, {"ok": True}))
            self.assertEqual(call(self.client()), {"ok": True})
            req = self.server.received[0]
            self.assertEqual((req.method, req.path), (method, path))
            if body is not None:
                self.assertEqual(req.body, body)

    def test_response_output_text_joins_messages_and_skips_other_items(self):
        response = {
            "output": [
                {"type": "message", "content": [{"type": "output_text", "text": "Hello "}]},
                {"type": "function_call", "name": "lookup", "arguments": "{}"},
                {"type": "message", "content": [{"type": "refusal", "refusal": "no"}, {"type": "output_text", "text": "world"}]},
            ]
        }
        self.assertEqual(response_output_text(response), "Hello world")
        self.assertEqual(response_output_text(None), "")
        self.assertEqual(response_output_text({"output": None}), "")


class ErrorsTest(ClientTestCase):
    def test_keeps_status_reason_retry_after_rate_limits_ids_and_body(self):
        body = error_body("rate_limit_error", "rate_limited", "Rate limit reached", trace_id="trace_9")
        headers = {"Retry-After": "7", "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7", "X-Request-ID": "req_abc"}
        self.server.answer(lambda ex: ex.json(429, body, headers))
        err = self.api_error(lambda: self.client().create_response({"model": "balanced", "input": "hi"}))
        self.assertEqual(err.status, 429)
        self.assertEqual(err.reason, "rate_limited")
        self.assertEqual(err.code, "rate_limited")
        self.assertEqual(err.type, "rate_limit_error")
        self.assertEqual(err.message, "Rate limit reached")
        self.assertEqual(str(err), "Rate limit reached")
        self.assertEqual(err.retry_after, 7)
        self.assertEqual(err.rate_limit, {"limit": 60, "remaining": 0, "reset": 7})
        self.assertEqual(err.request_id, "req_abc")
        self.assertEqual(err.trace_id, "trace_9")
        self.assertEqual(err.body, body)

    def test_reads_reason_from_guide_shapes_and_ids_from_metadata(self):
        self.server.answer(lambda ex: ex.json(402, {"message": "Budget reached", "detail": {"reason": "budget_exceeded"}, "metadata": {"general_augment_request_id": "req_m", "general_augment_trace_id": "trace_m"}}))
        err = self.api_error(lambda: self.client().create_response({"model": "m", "input": "x"}, idempotency_key="k"))
        self.assertEqual((err.status, err.reason, err.message), (402, "budget_exceeded", "Budget reached"))
        self.assertEqual((err.request_id, err.trace_id, err.retry_after), ("req_m", "trace_m", None))

    def test_names_the_rejected_field(self):
        self.server.answer(lambda ex: ex.json(400, {"error": {"message": "Invalid 'temperature'", "type": "invalid_request_error", "code": "invalid_request", "param": "temperature"}, "reason": "invalid_request"}))
        err = self.api_error(lambda: self.client().create_response({"model": "m", "input": "x", "temperature": 9}))
        self.assertEqual((err.status, err.reason, err.param), (400, "invalid_request", "temperature"))

    def test_a_stalled_call_is_request_timeout_and_is_not_retried(self):
        release = threading.Event()
        self.server.answer(lambda ex: release.wait(5))
        try:
            err = self.api_error(lambda: self.client(timeout=0.2).create_response({"model": "m", "input": "x"}, idempotency_key="k", request_id="req_t"))
        finally:
            release.set()
        self.assertEqual((err.status, err.reason, err.code, err.request_id), (0, "request_timeout", "request_timeout", "req_t"))
        self.assertEqual(len(self.server.received), 1)


class RetriesTest(ClientTestCase):
    unavailable = staticmethod(lambda ex: ex.json(503, error_body("server_error", "unavailable", "Try again")))
    ok = staticmethod(lambda ex: ex.json(200, completed_response("ok")))

    def test_never_retries_a_post_without_an_idempotency_key(self):
        self.server.answer(self.unavailable, self.ok)
        err = self.api_error(lambda: self.client().create_response({"model": "m", "input": "x"}))
        self.assertEqual(err.status, 503)
        self.assertEqual(len(self.server.received), 1)
        self.assertEqual(self.sleeps, [])

    def test_retries_a_cancellation_without_a_key(self):
        cancelled = lambda ex: ex.json(200, dict(completed_response(""), id="resp_9", status="cancelled", output=[]))
        self.server.answer(self.unavailable, cancelled)
        response = self.client().cancel_response("resp_9")
        self.assertEqual(response["status"], "cancelled")
        self.assertEqual([(r.method, r.path) for r in self.server.received], [("POST", "/v1/responses/resp_9/cancel")] * 2)
        self.assertEqual(len(self.sleeps), 1)

    def test_retries_a_keyed_post_with_jittered_backoff(self):
        self.server.answer(self.unavailable, self.unavailable, self.ok)
        response = self.client().create_response({"model": "m", "input": "x"}, idempotency_key="turn-1")
        self.assertEqual(response_output_text(response), "ok")
        self.assertEqual([r.headers["x-idempotency-key"] for r in self.server.received], ["turn-1"] * 3)
        self.assertEqual(self.sleeps, [0.375, 0.75])

    def test_honours_retry_after_seconds_and_dates(self):
        limited = lambda after: lambda ex: ex.json(429, error_body("rate_limit_error", "rate_limited", "Slow down"), {"Retry-After": after})
        self.server.answer(limited("3"), limited(formatdate(time.time() + 10, usegmt=True)), self.ok)
        self.client().get_response("resp_1")
        self.assertEqual(len(self.server.received), 3)
        self.assertEqual(self.sleeps[0], 3.125)
        self.assertTrue(8 <= self.sleeps[1] <= 10.25, self.sleeps)

    def test_gives_up_after_max_retries(self):
        self.server.answer(*[self.unavailable] * 5)
        err = self.api_error(lambda: self.client().get_response("resp_1"))
        self.assertEqual((err.status, err.reason), (503, "unavailable"))
        self.assertEqual(len(self.server.received), 3)
        self.server.reset()
        self.server.answer(self.unavailable)
        self.api_error(lambda: self.client(max_retries=0).get_response("resp_1"))
        self.assertEqual(len(self.server.received), 1)

    def test_no_retry_for_budget_or_a_long_retry_after(self):
        self.server.answer(lambda ex: ex.json(402, error_body("insufficient_quota", "budget_exceeded", "Budget reached")))
        self.assertEqual(self.api_error(lambda: self.client().create_response({"model": "m", "input": "x"}, idempotency_key="k")).reason, "budget_exceeded")
        self.server.answer(lambda ex: ex.json(429, error_body("rate_limit_error", "daily_limit_reached", "Daily limit"), {"Retry-After": "3600"}))
        err = self.api_error(lambda: self.client().get_response("resp_1"))
        self.assertEqual((err.reason, err.retry_after), ("daily_limit_reached", 3600))
        self.assertEqual(len(self.server.received), 2)
        self.assertEqual(self.sleeps, [])

    def test_refused_connection_is_retried_then_reported(self):
        closed = ContractServer()
        url = closed.url
        closed.httpd.server_close()
        err = self.api_error(lambda: self.client(base_url=url).get_response("resp_1"))
        self.assertEqual((err.status, err.reason), (0, "connection_error"))
        self.assertEqual(len(self.sleeps), 2)


class StreamingTest(ClientTestCase):
    def test_yields_every_event_of_a_stream_cut_at_awkward_boundaries(self):
        raw = FIXTURE.read_bytes()

        def stream(ex):
            ex.start_stream()
            for i in range(0, len(raw), 7):
                ex.write(raw[i : i + 7])

        self.server.answer(stream)
        events = []
        text = ""
        for event in self.client().stream_response({"model": "balanced", "user": "app-user-123", "input": "Draft a two sentence welcome message."}):
            events.append(event)
            if event["event"] == "response.output_text.delta":
                text += event["data"].get("delta", "")
        req = self.server.received[0]
        self.assertEqual(req.body["stream"], True)
        self.assertEqual(req.headers["accept"], "text/event-stream")
        self.assertEqual(text, "Welcome to the café 👋\nWe are glad you are here.")
        self.assertEqual(
            [e["event"] for e in events],
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
            + ["response.output_text.delta"] * 3
            + ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
        )
        for event in events:
            self.assertEqual(event["data"]["type"], event["event"])
        self.assertEqual([e["data"]["sequence_number"] for e in events], list(range(len(events))))
        self.assertEqual(response_output_text(events[-1]["data"]["response"]), text)

    def test_resumes_a_response_stream_after_the_last_event_it_has(self):
        frames = [f + b"\n\n" for f in FIXTURE.read_bytes().split(b"\n\n") if f.startswith(b"event:")]

        def stream(ex):
            ex.start_stream()
            for frame in frames[int(ex.query["starting_after"]) + 1:]:
                ex.write(frame)
            ex.write(b"data: [DONE]\n\n")

        self.server.answer(stream)
        events = list(self.client().resume_response_stream("resp_s", starting_after=4))
        req = self.server.received[0]
        self.assertEqual((req.method, req.path), ("GET", "/v1/responses/resp_s"))
        self.assertEqual(req.query, {"stream": "true", "starting_after": "4"})
        self.assertEqual(req.headers["accept"], "text/event-stream")
        self.assertEqual([e["data"]["sequence_number"] for e in events], list(range(5, len(frames))))
        self.assertEqual(events[-1]["event"], "response.completed")

    def test_stopping_early_closes_the_connection(self):
        closed = threading.Event()
        first = FIXTURE.read_bytes().split(b"\n\n")[0] + b"\n\n"

        def stream(ex):
            ex.start_stream()
            ex.write(first)
            try:
                for _ in range(100):
                    time.sleep(0.02)
                    ex.write(b": keep-alive\n\n")
            except (BrokenPipeError, ConnectionResetError):
                closed.set()

        self.server.answer(stream)
        for event in self.client().stream_response({"model": "m", "input": "x"}):
            self.assertEqual(event["event"], "response.created")
            break
        self.assertTrue(closed.wait(5), "the server never saw the connection close")

    def test_a_quiet_stream_is_request_timeout_after_the_events_that_arrived(self):
        release = threading.Event()
        first = FIXTURE.read_bytes().split(b"\n\n")[0] + b"\n\n"

        def stream(ex):
            ex.start_stream()
            ex.write(first)
            release.wait(5)

        self.server.answer(stream)
        seen = []
        try:
            err = self.api_error(lambda: [seen.append(e["event"]) for e in self.client(timeout=1.0).stream_response({"model": "m", "input": "x"})])
        finally:
            release.set()
        self.assertEqual(err.reason, "request_timeout")
        self.assertEqual(seen, ["response.created"])

    def test_a_refused_stream_raises_before_any_event(self):
        self.server.answer(lambda ex: ex.json(401, error_body("authentication_error", "invalid_api_key", "Missing or invalid API key")))
        err = self.api_error(lambda: list(self.client().stream_response({"model": "m", "input": "x"})))
        self.assertEqual((err.status, err.reason), (401, "invalid_api_key"))


class HelpersTest(ClientTestCase):
    CASES = [
        ("store_memory", lambda c: c.store_memory({"user_id": "app-user-123", "fact": "User prefers window seats", "fact_type": "preference", "importance_score": 0.9, "source": "booking", "idempotency_key": "memory-window-seat-1"}),
         "POST", "/v1/memory", {}, {"user_id": "app-user-123", "fact": "User prefers window seats", "fact_type": "preference", "importance_score": 0.9, "source": "booking", "idempotency_key": "memory-window-seat-1"}, False),
        ("list_models", lambda c: c.list_models(), "GET", "/v1/models", {}, None, False),
        ("get_model", lambda c: c.get_model("openai/gpt-4.1"), "GET", "/v1/models/openai%2Fgpt-4.1", {}, None, False),
        ("count_input_tokens", lambda c: c.count_input_tokens({"model": "balanced", "input": "Hello"}), "POST", "/v1/responses/input_tokens", {}, {"model": "balanced", "input": "Hello"}, False),
        ("search_memory", lambda c: c.search_memory({"user_id": "u1", "query": "seat", "limit": 3}), "POST", "/v1/memory/search", {}, {"user_id": "u1", "query": "seat", "limit": 3}, False),
        ("list_memory", lambda c: c.list_memory("u1", limit=5), "GET", "/v1/memory", {"user_id": "u1", "limit": "5"}, None, False),
        ("memory_profile", lambda c: c.memory_profile("u 1"), "GET", "/v1/memory/profile", {"user_id": "u 1"}, None, False),
        ("delete_memory", lambda c: c.delete_memory("mem_1", user_id="u1"), "DELETE", "/v1/memory/mem_1", {"user_id": "u1"}, None, False),
        ("purge_memory", lambda c: c.purge_memory("u1"), "POST", "/v1/memory/purge", {}, {"user_id": "u1"}, False),
        ("create_project", lambda c: c.create_project({"name": "My App"}), "POST", "/api/v1/admin/projects", {}, {"name": "My App"}, True),
        ("list_projects", lambda c: c.list_projects(), "GET", "/api/v1/admin/projects", {}, None, True),
        ("get_project", lambda c: c.get_project("p1"), "GET", "/api/v1/admin/projects/p1", {}, None, True),
        ("update_project_settings", lambda c: c.update_project_settings("p1", {"limits": {"requests_per_minute": 10}}), "PATCH", "/api/v1/admin/projects/p1", {}, {"settings": {"limits": {"requests_per_minute": 10}}}, True),
        ("create_api_key", lambda c: c.create_api_key("p1", {"scopes": ["responses"], "environment": "development"}), "POST", "/api/v1/admin/projects/p1/keys", {}, {"scopes": ["responses"], "environment": "development"}, True),
        ("revoke_api_key", lambda c: c.revoke_api_key("p1", "key_1"), "DELETE", "/api/v1/admin/projects/p1/keys/key_1", {}, None, True),
        ("usage", lambda c: c.usage("project_123", start_date="2026-04-01", end_date="2026-04-24"), "GET", "/api/v1/admin/projects/project_123/usage", {"start_date": "2026-04-01", "end_date": "2026-04-24"}, None, True),
        ("trace", lambda c: c.trace("p1", "trace_1"), "GET", "/api/v1/admin/projects/p1/traces/trace_1", {}, None, True),
        ("support_bundle", lambda c: c.support_bundle("p1", "resp_1"), "GET", "/api/v1/admin/projects/p1/support-bundles/resp_1", {}, None, True),
        ("list_approvals", lambda c: c.list_approvals("p1", status="pending"), "GET", "/api/v1/admin/projects/p1/approvals", {"status": "pending"}, None, True),
        ("resolve_approval", lambda c: c.resolve_approval("p1", "appr_1", "approve"), "POST", "/api/v1/admin/projects/p1/approvals/appr_1/approve", {}, None, True),
        ("create_scheduled_job", lambda c: c.create_scheduled_job("project_123", {"target_app_user_id": "app-user-123", "prompt": "Review.", "schedule": {"type": "interval", "every_seconds": 3600}}),
         "POST", "/api/v1/admin/projects/project_123/scheduled-jobs", {}, {"target_app_user_id": "app-user-123", "prompt": "Review.", "schedule": {"type": "interval", "every_seconds": 3600}}, True),
        ("list_scheduled_jobs", lambda c: c.list_scheduled_jobs("p1", status="active"), "GET", "/api/v1/admin/projects/p1/scheduled-jobs", {"status": "active"}, None, True),
        ("list_scheduled_job_runs", lambda c: c.list_scheduled_job_runs("p1", "job_1", limit=20), "GET", "/api/v1/admin/projects/p1/scheduled-jobs/job_1/runs", {"limit": "20"}, None, True),
        ("dispatch_scheduled_job", lambda c: c.dispatch_scheduled_job("p1", "job_1", dispatch_key="operator-smoke-1", execute=False), "POST", "/api/v1/admin/projects/p1/scheduled-jobs/job_1/dispatch", {}, {"dispatch_key": "operator-smoke-1", "execute": False}, True),
        ("pause_scheduled_job", lambda c: c.pause_scheduled_job("p1", "job_1"), "POST", "/api/v1/admin/projects/p1/scheduled-jobs/job_1/pause", {}, None, True),
        ("resume_scheduled_job", lambda c: c.resume_scheduled_job("p1", "job_1"), "POST", "/api/v1/admin/projects/p1/scheduled-jobs/job_1/resume", {}, None, True),
        ("delete_scheduled_job", lambda c: c.delete_scheduled_job("p1", "job_1"), "DELETE", "/api/v1/admin/projects/p1/scheduled-jobs/job_1", {}, None, True),
    ]

    def test_each_helper_calls_its_route(self):
        for name, call, method, path, query, body, admin in self.CASES:
            with self.subTest(name):
                self.server.reset()
                self.server.answer(lambda ex: ex.json(200, {"id": "x", "object": "thing"}))
                self.assertEqual(call(self.client(admin_key="admin-key-0123456789")), {"id": "x", "object": "thing"})
                [req] = self.server.received
                self.assertEqual((req.method, req.path, req.query, req.body), (method, path, query, body))
                self.assertEqual(req.headers.get("authorization"), "Bearer gaadmlive_project_key")
                self.assertEqual(req.headers.get("x-admin-key"), "admin-key-0123456789" if admin else None)

    def test_project_key_is_the_admin_key_when_none_is_set(self):
        self.server.answer(lambda ex: ex.json(200, {"object": "list", "data": []}))
        self.client().list_approvals("p1", status="pending")
        self.assertEqual(self.server.received[0].headers["x-admin-key"], "gaadmlive_project_key")

    def test_ids_are_escaped_in_paths(self):
        self.server.answer(lambda ex: ex.json(200, {}))
        self.client().get_response("../admin?x=1")
        self.assertEqual(self.server.received[0].handler.path, "/v1/responses/..%2Fadmin%3Fx%3D1")


class ExampleTest(ClientTestCase):
    def run_example(self, url):
        env = {**os.environ, "GENAUG_API_BASE_URL": url, "GENAUG_API_KEY": "local-test", "PYTHONPATH": str(ROOT / "src")}
        return subprocess.run([sys.executable, str(ROOT / "examples" / "contract_test.py")], env=env, capture_output=True, text=True, timeout=30)

    def test_contract_test_example_passes_against_the_contract(self):
        def stream(ex):
            ex.start_stream()
            ex.write(FIXTURE.read_bytes())

        self.server.answer(lambda ex: ex.json(200, completed_response("Hello there, nice to meet.")), stream)
        result = self.run_example(self.server.url)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("ok   a stream ends with response.completed", result.stdout)
        self.assertIn("sdk 0.1.1: contract ok (response resp_1)", result.stdout)

    def test_contract_test_example_fails_loudly(self):
        self.server.answer(lambda ex: ex.json(401, error_body("authentication_error", "invalid_api_key", "Missing or invalid API key")))
        result = self.run_example(self.server.url)
        self.assertEqual(result.returncode, 1)
        self.assertIn("FAIL 401 invalid_api_key", result.stderr)


class PackageTest(ClientTestCase):
    def test_version_matches_pyproject(self):
        pyproject = (ROOT / "pyproject.toml").read_text()
        self.assertEqual(re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1), "0.1.1")
        self.assertEqual(genaug.__version__, "0.1.1")
        self.assertIn('name = "general-augment-sdk"', pyproject)

    def test_environment_defaults(self):
        with mock.patch.dict(os.environ, {"GENAUG_API_BASE_URL": self.server.url, "GENAUG_API_KEY": "local-test"}):
            self.server.answer(lambda ex: ex.json(200, completed_response("env")))
            client = GeneralAugmentClient()
            self.assertEqual(client.base_url, self.server.url)
            self.assertEqual(response_output_text(client.create_response({"model": "m", "input": "x"})), "env")
            self.assertEqual(self.server.received[0].headers["authorization"], "Bearer local-test")
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(GeneralAugmentClient(api_key="k").base_url, "https://api.generalaugment.com")
            with self.assertRaises(ValueError):
                GeneralAugmentClient()


if __name__ == "__main__":
    unittest.main()
