"""One error type for everything the API (or the way to it) refuses.

Switch on ``reason``, never on the message: reasons are stable, messages are for people.
"""

import email.utils
import re
import time
from typing import Any, Dict, Mapping, Optional


class GeneralAugmentAPIError(Exception):
    """A refused or failed API call.

    ``status`` is the HTTP status, or 0 when no response arrived (``request_timeout``,
    ``connection_error``).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        reason: Optional[str] = None,
        code: Optional[str] = None,
        type: Optional[str] = None,
        param: Optional[str] = None,
        retry_after: Optional[float] = None,
        rate_limit: Optional[Dict[str, Optional[float]]] = None,
        request_id: Optional[str] = None,
        trace_id: Optional[str] = None,
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason or code
        self.code = code or reason
        self.type = type
        self.param = param
        self.retry_after = retry_after
        self.rate_limit = rate_limit or {"limit": None, "remaining": None, "reset": None}
        self.request_id = request_id
        self.trace_id = trace_id
        self.body = body
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"GeneralAugmentAPIError(status={self.status!r}, reason={self.reason!r}, message={self.message!r})"


def _number(value: Optional[str]) -> Optional[float]:
    if value is None or not str(value).strip():
        return None
    try:
        n = float(value)
    except ValueError:
        return None
    return int(n) if n.is_integer() else n


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    seconds = _number(value)
    if seconds is not None:
        return max(0, seconds)
    if not value:
        return None
    try:
        at = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0, int(-(-(at - (now if now is not None else time.time())) // 1)))


def _first_string(*values: Any) -> Optional[str]:
    for value in values:
        if isinstance(value, str) and value:
            return value
    return None


def _object(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _trace_id_of(traceparent: Optional[str]) -> Optional[str]:
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) >= 4 and re.fullmatch(r"[0-9a-f]{32}", parts[1]) else None


def api_error_from(status: int, headers: Mapping[str, str], body: Any) -> GeneralAugmentAPIError:
    """Builds the error from a refused response's status, headers (lower-case names) and decoded body."""
    root = _object(body)
    error = _object(root.get("error"))
    detail = _object(root.get("detail"))
    metadata = _object(root.get("metadata"))
    reason = _first_string(root.get("reason"), detail.get("reason"), error.get("code"), root.get("code"))
    message = _first_string(
        error.get("message"),
        root.get("message"),
        root.get("detail") if isinstance(root.get("detail"), str) else None,
        root.get("error") if isinstance(root.get("error"), str) else None,
    )
    if message is None:
        message = body.strip()[:500] if isinstance(body, str) and body.strip() else f"HTTP {status}"
    retry_after = parse_retry_after(headers.get("retry-after"))
    if retry_after is None and isinstance(root.get("retry_after"), (int, float)):
        retry_after = root["retry_after"]
    return GeneralAugmentAPIError(
        message,
        status=status,
        reason=reason,
        code=_first_string(error.get("code"), root.get("code"), reason),
        type=_first_string(error.get("type"), root.get("type")),
        param=_first_string(error.get("param"), root.get("param")),
        retry_after=retry_after,
        rate_limit={
            "limit": _number(headers.get("x-ratelimit-limit")),
            "remaining": _number(headers.get("x-ratelimit-remaining")),
            "reset": _number(headers.get("x-ratelimit-reset")),
        },
        request_id=_first_string(
            headers.get("x-request-id"),
            root.get("request_id"),
            error.get("request_id"),
            metadata.get("general_augment_request_id"),
            metadata.get("request_id"),
        ),
        trace_id=_first_string(
            headers.get("x-trace-id"),
            root.get("trace_id"),
            error.get("trace_id"),
            metadata.get("general_augment_trace_id"),
            metadata.get("trace_id"),
            _trace_id_of(headers.get("traceparent")),
        ),
        body=body,
        headers=dict(headers),
    )


def timeout_error(timeout: Optional[float], request_id: Optional[str]) -> GeneralAugmentAPIError:
    return GeneralAugmentAPIError(
        f"The request timed out after {timeout} s",
        status=0,
        reason="request_timeout",
        code="request_timeout",
        type="timeout_error",
        request_id=request_id,
    )


def connection_error(cause: BaseException, request_id: Optional[str]) -> GeneralAugmentAPIError:
    return GeneralAugmentAPIError(
        f"Could not reach the General Augment API: {cause}",
        status=0,
        reason="connection_error",
        code="connection_error",
        type="connection_error",
        request_id=request_id,
    )
