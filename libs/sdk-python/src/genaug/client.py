"""Server-side client for the General Augment API (standard library only).

A request is retried only when doing it twice is harmless (a GET, a cancellation, or a
call with an idempotency key), only on 429/5xx or a refused connection, at most ``max_retries`` times,
after Retry-After or a jittered backoff -- never in a tight loop.
"""

import http.client
import json
import os
import random as _random
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Union

from ._version import __version__
from .errors import GeneralAugmentAPIError, api_error_from, connection_error, timeout_error
from .sse import read_server_sent_events

DEFAULT_BASE_URL = "https://api.generalaugment.com"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2

# A Retry-After longer than this is a limit to report, not a pause to sit through.
_MAX_RETRY_AFTER_SECONDS = 60
_BASE_BACKOFF_SECONDS = 0.5
_MAX_BACKOFF_SECONDS = 8.0

Json = Dict[str, Any]
Query = Mapping[str, Union[str, int, float, bool, None]]


def _quote(segment: str) -> str:
    return urllib.parse.quote(str(segment), safe="")


def _admin(project_id: str) -> str:
    return f"/api/v1/admin/projects/{_quote(project_id)}"


def _retryable(status: int) -> bool:
    return status == 429 or (status >= 500 and status != 501)


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _lower(headers: Any) -> Dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers else {}


class GeneralAugmentClient:
    """Keep keys in backend code; browsers and mobile apps call your backend."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        admin_key: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        """``timeout`` is in seconds per request (None or 0 disables it); ``sleep`` and
        ``random`` pace retries (tests pass ones that do not wait)."""
        self.api_key = api_key or os.environ.get("GENAUG_API_KEY") or None
        self.admin_key = admin_key or os.environ.get("GENAUG_ADMIN_KEY") or None
        if not self.api_key and not self.admin_key:
            raise ValueError("GeneralAugmentClient needs an api_key (or GENAUG_API_KEY)")
        self.base_url = (base_url or os.environ.get("GENAUG_API_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout or None
        self.max_retries = max(0, max_retries)
        self._sleep = sleep
        self._random = random

    # --- responses -------------------------------------------------------------------

    def create_response(
        self, body: Json, idempotency_key: Optional[str] = None, request_id: Optional[str] = None
    ) -> Json:
        """POST /v1/responses, waiting for the whole response."""
        return self._json("POST", "/v1/responses", body={**body, "stream": False},
                          idempotency_key=idempotency_key, request_id=request_id)

    def stream_response(
        self, body: Json, idempotency_key: Optional[str] = None, request_id: Optional[str] = None
    ) -> Iterator[Dict[str, Any]]:
        """POST /v1/responses with ``stream: true``: yields ``{"event", "data"}`` with data decoded from JSON."""
        return self._events("POST", "/v1/responses", request_id, body={**body, "stream": True},
                            idempotency_key=idempotency_key)

    def resume_response_stream(
        self, response_id: str, starting_after: Optional[int] = None, request_id: Optional[str] = None
    ) -> Iterator[Dict[str, Any]]:
        """GET /v1/responses/{id}?stream=true: the stream after ``starting_after`` (the last
        ``sequence_number`` you have; from the start without it), followed live while a background
        response runs, told again from the stored one once it has ended."""
        return self._events("GET", f"/v1/responses/{_quote(response_id)}", request_id,
                            query={"stream": True, "starting_after": starting_after})

    def _events(self, method: str, path: str, request_id: Optional[str], **call: Any) -> Iterator[Dict[str, Any]]:
        response = self._send(method, path, stream=True, request_id=request_id, **call)
        try:
            for sse in read_server_sent_events(response):
                if sse["data"] == "[DONE]":
                    return
                try:
                    data: Any = json.loads(sse["data"])
                except ValueError:
                    data = sse["data"]
                event = sse["event"]
                if event == "message" and isinstance(data, dict) and isinstance(data.get("type"), str):
                    event = data["type"]
                yield {"event": event, "data": data}
        except TimeoutError:
            raise timeout_error(self.timeout, request_id) from None
        except (OSError, http.client.HTTPException) as err:
            raise connection_error(err, request_id) from None
        finally:
            response.close()

    def compact_response(
        self, body: Json, idempotency_key: Optional[str] = None, request_id: Optional[str] = None
    ) -> Json:
        """POST /v1/responses/compact: send its ``output`` as the next turn's ``input`` (with the new message after it)."""
        return self._json("POST", "/v1/responses/compact", body=body,
                          idempotency_key=idempotency_key, request_id=request_id)

    def get_response(self, response_id: str) -> Json:
        """GET /v1/responses/{id}"""
        return self._json("GET", f"/v1/responses/{_quote(response_id)}")

    def delete_response(self, response_id: str) -> Json:
        """DELETE /v1/responses/{id}: an ended response is not found from then on (its events stay in the audit history)."""
        return self._json("DELETE", f"/v1/responses/{_quote(response_id)}")

    def list_models(self) -> Json:
        """GET /v1/models: what this project's requests may name as ``model``, the tiers first."""
        return self._json("GET", "/v1/models")

    def get_model(self, model: str) -> Json:
        """GET /v1/models/{model}: one of them, by the name a request sends (404 when the project may not name it)."""
        return self._json("GET", f"/v1/models/{_quote(model)}")

    def count_input_tokens(self, body: Json) -> Json:
        """POST /v1/responses/input_tokens: the input tokens a turn with these fields would cost,
        counted by its model (``model`` defaults to ``balanced``); nothing runs."""
        return self._json("POST", "/v1/responses/input_tokens", body=body, repeatable=True)

    def cancel_response(self, response_id: str) -> Json:
        """POST /v1/responses/{id}/cancel: a queued or running background response ends ``cancelled`` (again: the same answer)."""
        return self._json("POST", f"/v1/responses/{_quote(response_id)}/cancel", repeatable=True)

    # --- conversations ---------------------------------------------------------------

    def create_conversation(self, items: Optional[list] = None, metadata: Optional[Dict[str, str]] = None,
                            user: Optional[str] = None) -> Json:
        """POST /v1/conversations: a conversation to continue with ``conversation=id`` (up to 20 first items).
        With ``user``, items added directly are sealed for that app user (erasing them erases the items)."""
        body: Json = {}
        if items is not None:
            body["items"] = items
        if metadata is not None:
            body["metadata"] = metadata
        if user is not None:
            body["user"] = user
        return self._json("POST", "/v1/conversations", body=body)

    def get_conversation(self, conversation_id: str) -> Json:
        """GET /v1/conversations/{id}"""
        return self._json("GET", f"/v1/conversations/{_quote(conversation_id)}")

    def update_conversation(self, conversation_id: str, metadata: Dict[str, str]) -> Json:
        """POST /v1/conversations/{id}: replaces its metadata."""
        return self._json("POST", f"/v1/conversations/{_quote(conversation_id)}", body={"metadata": metadata}, repeatable=True)

    def delete_conversation(self, conversation_id: str) -> Json:
        """DELETE /v1/conversations/{id}: reads and turns naming it are 404s from then on."""
        return self._json("DELETE", f"/v1/conversations/{_quote(conversation_id)}")

    def list_conversation_items(self, conversation_id: str, limit: Optional[int] = None,
                                order: Optional[str] = None, after: Optional[str] = None) -> Json:
        """GET /v1/conversations/{id}/items: newest first unless ``order="asc"``; page on with ``after``."""
        return self._json("GET", f"/v1/conversations/{_quote(conversation_id)}/items",
                          query={"limit": limit, "order": order, "after": after})

    def add_conversation_items(self, conversation_id: str, items: list) -> Json:
        """POST /v1/conversations/{id}/items: up to 20 items; answers them with their ids."""
        return self._json("POST", f"/v1/conversations/{_quote(conversation_id)}/items", body={"items": items})

    def get_conversation_item(self, conversation_id: str, item_id: str) -> Json:
        """GET /v1/conversations/{id}/items/{item_id}"""
        return self._json("GET", f"/v1/conversations/{_quote(conversation_id)}/items/{_quote(item_id)}")

    def delete_conversation_item(self, conversation_id: str, item_id: str) -> Json:
        """DELETE /v1/conversations/{id}/items/{item_id}: later turns no longer read it; answers the conversation."""
        return self._json("DELETE", f"/v1/conversations/{_quote(conversation_id)}/items/{_quote(item_id)}")

    # --- memory ----------------------------------------------------------------------

    def store_memory(self, body: Json, idempotency_key: Optional[str] = None) -> Json:
        """POST /v1/memory (a body ``idempotency_key`` also makes the call retry-safe)."""
        return self._json("POST", "/v1/memory", body=body, idempotency_key=idempotency_key or body.get("idempotency_key"))

    def search_memory(self, body: Json) -> Json:
        """POST /v1/memory/search"""
        return self._json("POST", "/v1/memory/search", body=body)

    def list_memory(self, user_id: str, limit: Optional[int] = None) -> Json:
        """GET /v1/memory?user_id="""
        return self._json("GET", "/v1/memory", query={"user_id": user_id, "limit": limit})

    def memory_profile(self, user_id: str) -> Json:
        """GET /v1/memory/profile?user_id="""
        return self._json("GET", "/v1/memory/profile", query={"user_id": user_id})

    def delete_memory(self, memory_id: str, user_id: Optional[str] = None) -> Json:
        """DELETE /v1/memory/{id}"""
        return self._json("DELETE", f"/v1/memory/{_quote(memory_id)}", query={"user_id": user_id})

    def purge_memory(self, user_id: str) -> Json:
        """POST /v1/memory/purge: forgets everything about one user, for good."""
        return self._json("POST", "/v1/memory/purge", body={"user_id": user_id})

    # --- admin: projects, keys, settings ---------------------------------------------

    def create_project(self, body: Json) -> Json:
        """POST /api/v1/admin/projects"""
        return self._json("POST", "/api/v1/admin/projects", body=body, admin=True)

    def list_projects(self, limit: Optional[int] = None, after: Optional[str] = None) -> Json:
        """GET /api/v1/admin/projects"""
        return self._json("GET", "/api/v1/admin/projects", query={"limit": limit, "after": after}, admin=True)

    def get_project(self, project_id: str) -> Json:
        """GET /api/v1/admin/projects/{id}"""
        return self._json("GET", _admin(project_id), admin=True)

    def update_project_settings(self, project_id: str, settings: Json) -> Json:
        """PATCH /api/v1/admin/projects/{id} with ``{"settings": …}`` (merged over the current ones)."""
        return self._json("PATCH", _admin(project_id), body={"settings": settings}, admin=True)

    def create_api_key(self, project_id: str, body: Optional[Json] = None) -> Json:
        """POST /api/v1/admin/projects/{id}/keys: the raw key is in the answer once, store it now."""
        return self._json("POST", f"{_admin(project_id)}/keys", body=body or {}, admin=True)

    def revoke_api_key(self, project_id: str, key_id: str) -> Json:
        """DELETE /api/v1/admin/projects/{id}/keys/{key_id}"""
        return self._json("DELETE", f"{_admin(project_id)}/keys/{_quote(key_id)}", admin=True)

    # --- admin: usage, traces, support -----------------------------------------------

    def usage(self, project_id: str, start_date: str, end_date: str, group_by: Optional[str] = None) -> Json:
        """GET /api/v1/admin/projects/{id}/usage?start_date&end_date"""
        query = {"start_date": start_date, "end_date": end_date, "group_by": group_by}
        return self._json("GET", f"{_admin(project_id)}/usage", query=query, admin=True)

    def trace(self, project_id: str, trace_id: str) -> Json:
        """GET /api/v1/admin/projects/{id}/traces/{trace_id}"""
        return self._json("GET", f"{_admin(project_id)}/traces/{_quote(trace_id)}", admin=True)

    def support_bundle(self, project_id: str, bundle_id: str) -> Json:
        """GET /api/v1/admin/projects/{id}/support-bundles/{id}, by response, request or trace id."""
        return self._json("GET", f"{_admin(project_id)}/support-bundles/{_quote(bundle_id)}", admin=True)

    # --- admin: approvals ------------------------------------------------------------

    def list_approvals(self, project_id: str, status: Optional[str] = None) -> Json:
        """GET /api/v1/admin/projects/{id}/approvals?status="""
        return self._json("GET", f"{_admin(project_id)}/approvals", query={"status": status}, admin=True)

    def resolve_approval(self, project_id: str, approval_id: str, decision: str) -> Json:
        """POST /api/v1/admin/projects/{id}/approvals/{approval_id}/approve|deny"""
        if decision not in ("approve", "deny"):
            raise ValueError("decision must be 'approve' or 'deny'")
        return self._json("POST", f"{_admin(project_id)}/approvals/{_quote(approval_id)}/{decision}", admin=True)

    # --- admin: scheduled jobs -------------------------------------------------------

    def create_scheduled_job(self, project_id: str, body: Json) -> Json:
        """POST /api/v1/admin/projects/{id}/scheduled-jobs"""
        return self._json("POST", f"{_admin(project_id)}/scheduled-jobs", body=body, admin=True)

    def list_scheduled_jobs(self, project_id: str, status: Optional[str] = None) -> Json:
        """GET /api/v1/admin/projects/{id}/scheduled-jobs?status="""
        return self._json("GET", f"{_admin(project_id)}/scheduled-jobs", query={"status": status}, admin=True)

    def list_scheduled_job_runs(self, project_id: str, job_id: str, limit: Optional[int] = None) -> Json:
        """GET …/scheduled-jobs/{job_id}/runs?limit="""
        return self._json("GET", f"{_admin(project_id)}/scheduled-jobs/{_quote(job_id)}/runs",
                          query={"limit": limit}, admin=True)

    def dispatch_scheduled_job(self, project_id: str, job_id: str, dispatch_key: str, execute: bool = True) -> Json:
        """POST …/scheduled-jobs/{job_id}/dispatch; the dispatch key makes a repeat dispatch a no-op."""
        return self._json("POST", f"{_admin(project_id)}/scheduled-jobs/{_quote(job_id)}/dispatch",
                          body={"dispatch_key": dispatch_key, "execute": execute}, admin=True)

    def pause_scheduled_job(self, project_id: str, job_id: str) -> Json:
        """POST …/scheduled-jobs/{job_id}/pause"""
        return self._json("POST", f"{_admin(project_id)}/scheduled-jobs/{_quote(job_id)}/pause", admin=True)

    def resume_scheduled_job(self, project_id: str, job_id: str) -> Json:
        """POST …/scheduled-jobs/{job_id}/resume"""
        return self._json("POST", f"{_admin(project_id)}/scheduled-jobs/{_quote(job_id)}/resume", admin=True)

    def delete_scheduled_job(self, project_id: str, job_id: str) -> Json:
        """DELETE …/scheduled-jobs/{job_id}"""
        return self._json("DELETE", f"{_admin(project_id)}/scheduled-jobs/{_quote(job_id)}", admin=True)

    # --- transport -------------------------------------------------------------------

    def _json(self, method: str, path: str, **call: Any) -> Any:
        response = self._send(method, path, **call)
        try:
            return _decode(response.read())
        except TimeoutError:
            raise timeout_error(self.timeout, call.get("request_id")) from None
        except (OSError, http.client.HTTPException) as err:
            raise connection_error(err, call.get("request_id")) from None
        finally:
            response.close()

    def _send(
        self,
        method: str,
        path: str,
        query: Optional[Query] = None,
        body: Any = None,
        admin: bool = False,
        stream: bool = False,
        idempotency_key: Optional[str] = None,
        request_id: Optional[str] = None,
        repeatable: bool = False,
    ) -> http.client.HTTPResponse:
        url = self.base_url + path
        params = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = self._headers(admin, stream, body is not None, idempotency_key, request_id)
        # Repeatable: doing it twice is harmless without a key (cancelling a response).
        safe = method == "GET" or repeatable or bool(idempotency_key)
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                return urllib.request.urlopen(request, timeout=self.timeout)
            except urllib.error.HTTPError as refused:
                try:
                    error = api_error_from(refused.code, _lower(refused.headers), _decode(refused.read()))
                except TimeoutError:
                    raise timeout_error(self.timeout, request_id) from None
                finally:
                    refused.close()
                waitable = error.retry_after is None or error.retry_after <= _MAX_RETRY_AFTER_SECONDS
                if safe and _retryable(refused.code) and waitable and attempt < self.max_retries:
                    self._sleep(self._backoff(attempt, error.retry_after))
                    attempt += 1
                    continue
                raise error from None
            except urllib.error.URLError as failed:
                if isinstance(failed.reason, TimeoutError):
                    raise timeout_error(self.timeout, request_id) from None
                cause: BaseException = failed.reason if isinstance(failed.reason, BaseException) else failed
            except TimeoutError:
                raise timeout_error(self.timeout, request_id) from None
            except (OSError, http.client.HTTPException) as failed:
                cause = failed
            if safe and attempt < self.max_retries:
                self._sleep(self._backoff(attempt, None))
                attempt += 1
                continue
            raise connection_error(cause, request_id) from None

    def _backoff(self, attempt: int, retry_after: Optional[float]) -> float:
        """Retry-After when given (plus a little jitter), else exponential backoff with jitter."""
        if retry_after is not None:
            return retry_after + self._random() * 0.25
        ceiling = min(_MAX_BACKOFF_SECONDS, _BASE_BACKOFF_SECONDS * 2 ** attempt)
        return ceiling / 2 + self._random() * ceiling / 2

    def _headers(
        self, admin: bool, stream: bool, has_body: bool, idempotency_key: Optional[str], request_id: Optional[str]
    ) -> Dict[str, str]:
        headers = {
            "Accept": "text/event-stream" if stream else "application/json",
            "User-Agent": f"general-augment-sdk-python/{__version__}",
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if admin and (self.admin_key or self.api_key):
            headers["X-Admin-Key"] = self.admin_key or self.api_key or ""
        if idempotency_key:
            headers["X-Idempotency-Key"] = idempotency_key
        if request_id:
            headers["X-Request-ID"] = request_id
        return headers


def response_output_text(response: Optional[Mapping[str, Any]]) -> str:
    """The assistant's text in a response: every output_text part of every message, in order."""
    text = ""
    for item in (response or {}).get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "message" or not isinstance(item.get("content"), list):
            continue
        for part in item["content"]:
            if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("text"), str):
                text += part["text"]
    return text


__all__ = ["GeneralAugmentClient", "GeneralAugmentAPIError", "response_output_text", "DEFAULT_BASE_URL"]
