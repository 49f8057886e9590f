"""What a call that did not succeed raises.

Every error carries the gRPC status code (``code``), the gateway's message
(``details``: it says what to change), the RPC, how many attempts were made
and, for a payload, its session and payload id: the caller still owns the
payload and decides what to do with it (proto/ingest/v1/RETRY.md, "What an
SDK must never do").

    IngestError                      any failure; ``code`` may be any status
    ├── RetryExhaustedError          retried statuses until the policy gave up
    ├── InvalidRequestError          INVALID_ARGUMENT: fix the request
    ├── AuthenticationError          UNAUTHENTICATED: fix the API key
    ├── PermissionDeniedError        PERMISSION_DENIED: start a session with the right key
    ├── CallCancelledError           CANCELLED (the client was closed)
    ├── BufferFullError              push_async: the byte budget is full (RESOURCE_EXHAUSTED)
    └── ClientClosedError            the client was closed before the call started
"""

from __future__ import annotations

from typing import Optional

import grpc

__all__ = [
    "IngestError",
    "RetryExhaustedError",
    "InvalidRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "CallCancelledError",
    "BufferFullError",
    "ClientClosedError",
    "error_for_status",
]


class IngestError(Exception):
    """A call of the gateway failed; ``code`` and ``details`` say why.

    Attributes:
        code: the last gRPC status (None when the SDK itself refused).
        details: the gateway's message for that status.
        rpc: the RPC, e.g. "PushPayload".
        attempts: attempts made (0 when none was).
        session_id, payload_id: the payload's, when the call pushed one.
        retry_after: the last answer's retry-after in seconds, if it had one.
    """

    hint = "see proto/ingest/v1/RETRY.md"

    def __init__(
        self,
        details: str,
        *,
        code: Optional[grpc.StatusCode] = None,
        rpc: str = "",
        attempts: int = 0,
        session_id: Optional[str] = None,
        payload_id: Optional[int] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        self.code = code
        self.details = details
        self.rpc = rpc
        self.attempts = attempts
        self.session_id = session_id
        self.payload_id = payload_id
        self.retry_after = retry_after
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.rpc or "session-ingest"
        if self.payload_id is not None:
            where += " (session %s, payload %d)" % (self.session_id, self.payload_id)
        status = self.code.name if self.code is not None else "error"
        attempts = ", %d attempt%s" % (self.attempts, "" if self.attempts == 1 else "s") if self.attempts else ""
        return "%s %s%s: %s — %s" % (where, status, attempts, self.details or "(no message)", self.hint)


class RetryExhaustedError(IngestError):
    """Every attempt got a retried status and the RetryPolicy gave up (attempt
    limit or total time). ``code``/``details`` are the last answer's. The
    payload may or may not be in Kafka: push it again later with the same
    session (a resend of the same id and bytes is harmless)."""

    hint = "the gateway or Kafka is unavailable or overloaded; retry later or raise RetryPolicy limits"


class InvalidRequestError(IngestError):
    """INVALID_ARGUMENT: the request is wrong (ids, sizes, encodings); the
    message names what. Retrying the same request fails the same way."""

    hint = "fix the request as the message says; do not retry it unchanged"


class AuthenticationError(IngestError):
    """UNAUTHENTICATED: no or an unknown API key."""

    hint = "check the api_key given to Client (a project key of this gateway)"


class PermissionDeniedError(IngestError):
    """PERMISSION_DENIED: the session belongs to another project, or was not
    issued by this deployment."""

    hint = "start a new session with the project's own API key"


class CallCancelledError(IngestError):
    """CANCELLED: the call was cancelled (the client was closed with
    wait=False). Never retried on its own."""

    hint = "the client was closed or the call cancelled; push again on an open client"


class BufferFullError(IngestError):
    """push_async: the client's byte budget (max_buffered_bytes) is full.
    Nothing was sent and no payload id was allocated."""

    hint = "wait for pending pushes (block=True, flush()) or raise max_buffered_bytes"


class ClientClosedError(IngestError):
    """The client was closed before the call started."""

    hint = "create a new Client"


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidRequestError,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.CANCELLED: CallCancelledError,
}


def error_for_status(code: grpc.StatusCode, details: str, **kwargs: object) -> IngestError:
    """The exception for a final status (IngestError for codes without a class)."""
    return _BY_CODE.get(code, IngestError)(details, code=code, **kwargs)  # type: ignore[arg-type]
