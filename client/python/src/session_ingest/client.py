"""Client and Session: every RPC of ingest.v1.Ingest under the retry contract.

Threads: a Client and its Sessions may be used from any number of threads.
push_async runs pushes on the client's own bounded pool of worker threads;
the observer is called on whichever thread made the attempt.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import itertools
import logging
import random
import threading
import time
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

import grpc

from . import _wire
from ._proto.ingest.v1 import ingest_pb2 as pb
from ._version import __version__
from .errors import (
    BufferFullError,
    CallCancelledError,
    ClientClosedError,
    IngestError,
    RetryExhaustedError,
    error_for_status,
)
from .retry import RetryPolicy, Verdict, classify, retry_after_seconds

__all__ = ["Client", "Session", "PushResult", "Position", "Attempt", "Content"]

_log = logging.getLogger("session_ingest")
C = grpc.StatusCode
MiB = 1 << 20

# What push() takes as a payload's content: a PayloadContent, its fields as a
# mapping, or an already serialized PayloadContent (sent as it is, unparsed).
Content = Union["pb.PayloadContent", bytes, bytearray, memoryview, Mapping[str, bytes]]
Item = TypeVar("Item")

_SERVICE = "/ingest.v1.Ingest/"
_RESPONSES: Dict[str, Any] = {
    "InitializeSession": pb.InitializeSessionResponse,
    "PushPayload": pb.PushPayloadResponse,
    "IdentifySession": pb.IdentifySessionResponse,
    "AddSessionProperties": pb.AddSessionPropertiesResponse,
    "AddSessionFeedback": pb.AddSessionFeedbackResponse,
    "PushBackendErrors": pb.PushBackendErrorsResponse,
    "PushMetrics": pb.PushMetricsResponse,
}


@dataclasses.dataclass(frozen=True)
class PushResult:
    """Where Kafka holds an acknowledged payload.

    offset is the record's offset (a stream's last chunk record); for a
    stream, first_offset is its first chunk record's, chunk_count the chunk
    records and sha256 the gateway's digest of the content. attempts counts
    every attempt, unary and streamed.
    """

    session_id: str
    payload_id: int
    partition: int
    offset: int
    first_offset: int
    streamed: bool
    total_bytes: int
    chunk_count: int = 1
    sha256: bytes = b""
    attempts: int = 1


@dataclasses.dataclass(frozen=True)
class Position:
    """Where Kafka holds the record of a session call."""

    partition: int
    offset: int


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One attempt of a call, as given to the observer.

    code is OK for the attempt that succeeded. backoff is the wait before the
    next attempt (None when there is none: success, final status or given
    up); retry_after the answer's retry-after in seconds, if any.
    """

    rpc: str
    attempt: int
    target: str
    code: grpc.StatusCode
    details: str
    duration: float
    retry_after: Optional[float]
    backoff: Optional[float]
    session_id: Optional[str] = None
    payload_id: Optional[int] = None
    streamed: bool = False


class _UseStream(Exception):
    """A unary payload was refused as too large: send it as a stream."""

    def __init__(self, attempts: int) -> None:
        super().__init__()
        self.attempts = attempts


class _ByteBudget:
    """Bytes of payloads accepted by push_async and not yet finished.

    A payload larger than the whole budget is admitted only when nothing
    else is held, so the bound is max(limit, the largest single payload)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.peak = 0
        self._cond = threading.Condition()

    def acquire(self, n: int, block: bool, timeout: Optional[float]) -> bool:
        def fits() -> bool:
            return self.used == 0 or self.used + n <= self.limit

        with self._cond:
            if not fits():
                if not block or not self._cond.wait_for(fits, timeout):
                    return False
            self.used += n
            self.peak = max(self.peak, self.used)
            return True

    def release(self, n: int) -> None:
        with self._cond:
            self.used -= n
            self._cond.notify_all()

    def wait_empty(self, timeout: Optional[float]) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.used == 0, timeout)


class _Endpoint:
    """One channel to one target, with a callable per RPC. Requests are sent
    as bytes (no serializer): the SDK builds them once per call."""

    def __init__(self, target: str, channel: grpc.Channel) -> None:
        self.target = target
        self.channel = channel
        self.unary = {
            name: channel.unary_unary(_SERVICE + name, request_serializer=None, response_deserializer=r.FromString)
            for name, r in _RESPONSES.items()
        }
        self.stream = channel.stream_unary(
            _SERVICE + "PushPayloadStream",
            request_serializer=None,
            response_deserializer=pb.PushPayloadStreamResponse.FromString,
        )


def _read_pem(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as pem:
            return pem.read()
    except OSError as error:
        raise ValueError(f"cannot read the TLS {what} {path}: {error.strerror}") from None


def _tls_credentials(ca_file: Optional[str], cert_file: Optional[str],
                     key_file: Optional[str]) -> grpc.ChannelCredentials:
    if not ca_file:
        raise ValueError("TLS needs tls_ca_file: the CA bundle of the gateway's certificate")
    if bool(cert_file) != bool(key_file):
        raise ValueError("tls_cert_file and tls_key_file go together (mutual TLS)")
    return grpc.ssl_channel_credentials(
        root_certificates=_read_pem(ca_file, "CA bundle"),
        private_key=_read_pem(key_file, "client key") if key_file else None,
        certificate_chain=_read_pem(cert_file, "client certificate") if cert_file else None,
    )


class Client:
    """A connection to one or more gateway replicas of one project.

    Args:
        targets: "host:port" of the gateway, or several (tried in order; an
            UNAVAILABLE moves the next attempt to the next target).
        api_key: the project's API key (sent as `authorization: Bearer`).
        retry: the RetryPolicy of every call (RETRY.md's defaults).
        call_timeout: seconds per attempt of a unary call; a stream gets
            call_timeout plus one second per MB of content.
        stream_threshold: payloads whose serialized content is larger are
            sent with PushPayloadStream (RETRY.md: 4 MiB).
        stream_chunk_bytes: content bytes per stream message.
        stream_sha256: put the content's SHA-256 in the stream header (the
            gateway verifies it) and check the gateway's digest.
        channel_count: channels (connections) per target, used in turn.
        connect_timeout: seconds one connection attempt may take (TCP, TLS
            and the gateway's first HTTP/2 SETTINGS; gRPC's default, 20).
            At least 0.1 (gRPC's floor); it must cover a few round trips to
            the gateway. A target that silently drops packets holds an
            attempt this long (or to its timeout, if sooner) before
            UNAVAILABLE moves it to the next target.
        credentials: grpc.ChannelCredentials for TLS; None: tls_ca_file's,
            else plaintext.
        tls_ca_file: PEM CA bundle the gateway's certificate must chain to
            (TLS); tls_cert_file and tls_key_file: this client's certificate
            and key, for mutual TLS. Read once here.
        observer: called with an Attempt after every attempt of every call.
        max_buffered_bytes: byte budget of push_async (payloads accepted and
            not yet acknowledged or failed).
        async_workers: threads that run push_async pushes.
        metadata: extra metadata sent with every call.
        channel_options: extra grpc channel options.
        sleep, clock, rng: injectable for tests (the default sleep wakes up
            when the client is closed with wait=False).
    """

    def __init__(
        self,
        targets: Union[str, Sequence[str]],
        api_key: str,
        *,
        retry: Optional[RetryPolicy] = None,
        call_timeout: float = 30.0,
        stream_threshold: int = 4 * MiB,
        stream_chunk_bytes: int = 256 << 10,
        stream_sha256: bool = True,
        channel_count: int = 1,
        connect_timeout: float = 20.0,
        credentials: Optional[grpc.ChannelCredentials] = None,
        tls_ca_file: Optional[str] = None,
        tls_cert_file: Optional[str] = None,
        tls_key_file: Optional[str] = None,
        observer: Optional[Callable[[Attempt], None]] = None,
        max_buffered_bytes: int = 64 * MiB,
        async_workers: int = 4,
        metadata: Sequence[Tuple[str, str]] = (),
        channel_options: Sequence[Tuple[str, Any]] = (),
        sleep: Optional[Callable[[float], None]] = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Optional[random.Random] = None,
    ) -> None:
        target_list = [targets] if isinstance(targets, str) else list(targets)
        if not target_list or not all(target_list):
            raise ValueError("Client needs at least one gateway target (host:port)")
        if not api_key:
            raise ValueError("Client needs the project's API key")
        if call_timeout <= 0 or stream_threshold < 0 or stream_chunk_bytes <= 0:
            raise ValueError("call_timeout and stream_chunk_bytes must be positive, stream_threshold not negative")
        if channel_count < 1 or async_workers < 1 or max_buffered_bytes < 1:
            raise ValueError("channel_count, async_workers and max_buffered_bytes must be at least 1")
        if not connect_timeout >= 0.1:
            raise ValueError(
                "connect_timeout is %r s: give at least 0.1, enough for a TCP and TLS handshake with the "
                "gateway (the default, 20, suits any network)" % (connect_timeout,))
        if credentials is None and (tls_ca_file or tls_cert_file or tls_key_file):
            credentials = _tls_credentials(tls_ca_file, tls_cert_file, tls_key_file)
        self.retry = retry or RetryPolicy()
        self.call_timeout = call_timeout
        self.stream_threshold = stream_threshold
        self.stream_chunk_bytes = stream_chunk_bytes
        self.stream_sha256 = stream_sha256
        self._observer = observer
        self._metadata = (("authorization", "Bearer " + api_key),) + tuple(metadata)
        self._clock = clock
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._closing = threading.Event()
        self._closed = False
        self._sleep = sleep or self._interruptible_sleep

        options = [
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", 16 * MiB),
            ("grpc.primary_user_agent", "session-ingest-python/" + __version__),
            # Each channel its own connection; reconnect soon after a restart.
            ("grpc.use_local_subchannel_pool", 1),
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 2000),
            # Despite its name, gRPC takes this as the connect timeout only
            # (never the backoff): at 100 ms it cut TLS handshakes short on a
            # busy machine and never reached a gateway a few hundred ms away
            # (tests/test_slow_link.py).
            ("grpc.min_reconnect_backoff_ms", min(int(connect_timeout * 1000), 2**31 - 1)),
            *channel_options,
        ]
        self._targets: List[List[_Endpoint]] = []
        for target in target_list:
            endpoints = []
            for _ in range(channel_count):
                channel = (
                    grpc.secure_channel(target, credentials, options=options)
                    if credentials is not None
                    else grpc.insecure_channel(target, options=options)
                )
                endpoints.append(_Endpoint(target, channel))
            self._targets.append(endpoints)
        self._turn = itertools.count()
        self._preferred = 0
        self._budget = _ByteBudget(max_buffered_bytes)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=async_workers, thread_name_prefix="session-ingest-push"
        )

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, wait: bool = True) -> None:
        """Closes the client. wait=True: every push_async accepted so far
        finishes first (under the retry policy). wait=False: pending pushes
        fail with CallCancelledError, in-flight calls are cancelled."""
        if self._closed:
            return
        if wait:
            self._executor.shutdown(wait=True)
        else:
            self._closing.set()
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._closing.set()
        self._closed = True
        for endpoints in self._targets:
            for endpoint in endpoints:
                endpoint.channel.close()
        if not wait:
            self._executor.shutdown(wait=True)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until every push_async accepted so far has finished; False
        if `timeout` seconds passed first."""
        return self._budget.wait_empty(timeout)

    @property
    def buffered_bytes(self) -> int:
        """Bytes of push_async payloads not yet finished."""
        return self._budget.used

    @property
    def peak_buffered_bytes(self) -> int:
        """The most buffered_bytes have been."""
        return self._budget.peak

    # -- sessions ----------------------------------------------------------

    def start_session(self, **init_fields: Any) -> "Session":
        """InitializeSession with the fields of InitializeSessionRequest
        (project_id, client_version, environment, ...); client_version
        defaults to this SDK's. Returns the Session, whose payload ids start at 1."""
        init_fields.setdefault("client_version", "session-ingest-python/" + __version__)
        try:
            request = pb.InitializeSessionRequest(**init_fields)
        except (ValueError, TypeError) as error:
            raise ValueError("start_session: %s (fields of InitializeSessionRequest)" % error) from None
        response = self._unary("InitializeSession", request.SerializeToString())
        return Session(self, response.session_id)

    def attach_session(self, session_id: str, *, next_payload_id: int = 1) -> "Session":
        """A Session this client did not start (e.g. continued after a
        restart): payload ids continue from next_payload_id."""
        if not session_id:
            raise ValueError("attach_session needs the session id InitializeSession returned")
        if next_payload_id < 1:
            raise ValueError("payload ids start at 1")
        return Session(self, session_id, next_payload_id=next_payload_id)

    # -- session-less calls -----------------------------------------------

    def push_backend_errors(self, errors: Iterable[Union["pb.BackendError", Mapping[str, Any]]]) -> int:
        """PushBackendErrors; items without a session_id are the project's.
        Returns the records produced. At least once: a retry after a lost
        answer can store an item twice."""
        items = _messages(pb.BackendError, errors)
        response = self._unary("PushBackendErrors", pb.PushBackendErrorsRequest(errors=items).SerializeToString())
        return int(response.records)

    def push_metrics(self, metrics: Iterable[Union["pb.Metric", Mapping[str, Any]]]) -> int:
        """PushMetrics; items without a session_id are the project's.
        Returns the records produced (at least once, like push_backend_errors)."""
        items = _messages(pb.Metric, metrics)
        response = self._unary("PushMetrics", pb.PushMetricsRequest(metrics=items).SerializeToString())
        return int(response.records)

    # -- payloads ----------------------------------------------------------

    def _push_payload(
        self,
        session_id: str,
        payload_id: int,
        content: bytes,
        content_encoding: int,
        is_beacon: bool,
        has_session_unloaded: bool,
    ) -> PushResult:
        attempts = 0
        if len(content) <= self.stream_threshold:
            request = _wire.push_payload_request(
                session_id, payload_id, content_encoding, content, is_beacon, has_session_unloaded
            )
            try:
                response, attempts = self._retrying(
                    "PushPayload",
                    lambda endpoint, timeout: endpoint.unary["PushPayload"](
                        request, timeout=timeout, metadata=self._metadata
                    ),
                    unary_payload=True,
                    session_id=session_id,
                    payload_id=payload_id,
                )
            except _UseStream as switch:
                attempts = switch.attempts
            else:
                return PushResult(
                    session_id=session_id,
                    payload_id=response.payload_id,
                    partition=response.partition,
                    offset=response.offset,
                    first_offset=response.offset,
                    streamed=False,
                    total_bytes=len(content),
                    attempts=attempts,
                )
        digest = hashlib.sha256(content).digest() if self.stream_sha256 else b""
        header = _wire.stream_header(
            session_id, payload_id, content_encoding, len(content), digest, is_beacon, has_session_unloaded
        )
        chunk_bytes = self.stream_chunk_bytes
        timeout = self.call_timeout + len(content) / 1e6
        response, stream_attempts = self._retrying(
            "PushPayloadStream",
            lambda endpoint, t: endpoint.stream(
                _wire.stream_messages(header, content, chunk_bytes), timeout=t, metadata=self._metadata
            ),
            streamed=True,
            attempt_timeout=timeout,
            session_id=session_id,
            payload_id=payload_id,
        )
        attempts += stream_attempts
        if response.total_bytes != len(content) or (digest and response.sha256 != digest):
            raise IngestError(
                "the gateway acknowledged %d bytes with SHA-256 %s, the SDK sent %d with %s"
                % (response.total_bytes, response.sha256.hex(), len(content), digest.hex()),
                rpc="PushPayloadStream",
                attempts=attempts,
                session_id=session_id,
                payload_id=payload_id,
            )
        return PushResult(
            session_id=session_id,
            payload_id=response.payload_id,
            partition=response.partition,
            offset=response.last_offset,
            first_offset=response.first_offset,
            streamed=True,
            total_bytes=response.total_bytes,
            chunk_count=response.chunk_count,
            sha256=response.sha256,
            attempts=attempts,
        )

    def _submit(self, size: int, block: bool, timeout: Optional[float], allocate: Callable[[], int],
                run: Callable[[int], PushResult]) -> "concurrent.futures.Future[PushResult]":
        if self._closed or self._closing.is_set():
            raise ClientClosedError("push_async on a closed client", rpc="PushPayload")
        cost = size + 256  # an empty payload still takes a slot
        if not self._budget.acquire(cost, block, timeout):
            raise BufferFullError(
                "max_buffered_bytes (%d) is full: %d bytes of pushes pending, this payload is %d bytes"
                % (self._budget.limit, self._budget.used, size),
                code=C.RESOURCE_EXHAUSTED,
                rpc="PushPayload",
            )
        try:
            payload_id = allocate()
            future = self._executor.submit(run, payload_id)
        except RuntimeError:
            self._budget.release(cost)
            raise ClientClosedError("push_async on a closed client", rpc="PushPayload") from None
        except BaseException:
            self._budget.release(cost)
            raise
        future.add_done_callback(lambda _: self._budget.release(cost))
        return future

    # -- the retry loop ----------------------------------------------------

    def _unary(self, rpc: str, request: bytes, session_id: Optional[str] = None) -> Any:
        response, _ = self._retrying(
            rpc,
            lambda endpoint, timeout: endpoint.unary[rpc](request, timeout=timeout, metadata=self._metadata),
            session_id=session_id,
        )
        return response

    def _retrying(
        self,
        rpc: str,
        send: Callable[[_Endpoint, float], Any],
        *,
        session_id: Optional[str] = None,
        payload_id: Optional[int] = None,
        streamed: bool = False,
        unary_payload: bool = False,
        attempt_timeout: Optional[float] = None,
    ) -> Tuple[Any, int]:
        """Runs send(endpoint, timeout) until it succeeds, a final status, or
        the policy gives up. Returns (response, attempts)."""
        policy = self.retry
        started = self._clock()
        deadline = None if policy.total_timeout is None else started + policy.total_timeout
        target = self._preferred
        attempt = 0
        while True:
            if self._closing.is_set():
                raise (ClientClosedError if attempt == 0 else CallCancelledError)(
                    "the client was closed", code=None if attempt == 0 else C.CANCELLED, rpc=rpc, attempts=attempt,
                    session_id=session_id,
                    payload_id=payload_id,
                )
            attempt += 1
            endpoints = self._targets[target]
            endpoint = endpoints[next(self._turn) % len(endpoints)]
            timeout = attempt_timeout or self.call_timeout
            if deadline is not None:
                timeout = max(min(timeout, deadline - self._clock()), 0.001)
            began = self._clock()
            try:
                response = send(endpoint, timeout)
            except ValueError:
                if not self._closing.is_set():
                    raise
                # grpc refuses a call on a channel close() just closed.
                raise CallCancelledError(
                    "the client was closed", code=C.CANCELLED, rpc=rpc, attempts=attempt,
                    session_id=session_id, payload_id=payload_id,
                ) from None
            except grpc.RpcError as error:
                code = error.code() if hasattr(error, "code") else C.UNKNOWN
                details = (error.details() if hasattr(error, "details") else str(error)) or ""
                trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
            else:
                self._preferred = target
                self._observe(Attempt(rpc, attempt, endpoint.target, C.OK, "", self._clock() - began, None, None,
                                      session_id, payload_id, streamed))
                return response, attempt
            duration = self._clock() - began
            retry_after = retry_after_seconds(trailing)
            if code == C.CANCELLED and self._closing.is_set():
                verdict = Verdict.FINAL
            else:
                verdict = classify(code, retry_after, policy, unary_payload=unary_payload)

            def observe(backoff: Optional[float]) -> None:
                self._observe(Attempt(rpc, attempt, endpoint.target, code, details, duration, retry_after, backoff,
                                      session_id, payload_id, streamed))

            if verdict is Verdict.STREAM:
                observe(None)
                raise _UseStream(attempt)
            if verdict is Verdict.FINAL:
                observe(None)
                raise error_for_status(code, details, rpc=rpc, attempts=attempt, retry_after=retry_after, session_id=session_id, payload_id=payload_id)
            if policy.max_attempts is not None and attempt >= policy.max_attempts:
                observe(None)
                raise RetryExhaustedError(
                    "%s (gave up after %d attempts, RetryPolicy.max_attempts)" % (details, attempt),
                    code=code, rpc=rpc, attempts=attempt, retry_after=retry_after, session_id=session_id, payload_id=payload_id,
                )
            with self._rng_lock:
                wait = policy.backoff(attempt, self._rng)
            if retry_after is not None:
                wait = max(wait, retry_after)
            now = self._clock()
            if deadline is not None and now + wait > deadline:
                observe(None)
                raise RetryExhaustedError(
                    "%s (gave up after %d attempts in %.1f s: the next attempt would start past "
                    "RetryPolicy.total_timeout of %.1f s)" % (details, attempt, now - started, deadline - started),
                    code=code, rpc=rpc, attempts=attempt, retry_after=retry_after, session_id=session_id, payload_id=payload_id,
                )
            observe(wait)
            if code == C.UNAVAILABLE and len(self._targets) > 1:
                target = (target + 1) % len(self._targets)
            self._sleep(wait)

    def _interruptible_sleep(self, seconds: float) -> None:
        self._closing.wait(seconds)

    def _observe(self, attempt: Attempt) -> None:
        if self._observer is None:
            return
        try:
            self._observer(attempt)
        except Exception:  # an observer's bug must not lose a payload
            _log.exception("session_ingest: the observer raised on %s", attempt)


class Session:
    """A recording session: its id and the payload ids it allocates.

    Payload ids are allocated once per push, 1, 2, 3, ... (thread-safe, no
    gaps: an id is taken only once the push is accepted), and every attempt
    of a push sends the same id and bytes.
    """

    def __init__(self, client: Client, session_id: str, *, next_payload_id: int = 1) -> None:
        self._client = client
        self.id = session_id
        self._next_id = next_payload_id
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "Session(%r, next_payload_id=%d)" % (self.id, self._next_id)

    @property
    def next_payload_id(self) -> int:
        return self._next_id

    def _allocate(self) -> int:
        with self._lock:
            payload_id = self._next_id
            self._next_id += 1
            return payload_id

    def push(
        self,
        content: Content,
        *,
        is_beacon: bool = False,
        has_session_unloaded: bool = False,
        content_encoding: int = pb.CONTENT_ENCODING_UNSPECIFIED,
    ) -> PushResult:
        """Pushes one payload and returns once Kafka holds it (blocks while
        retrying). Content above the client's stream_threshold is streamed.
        content_encoding says how the content's fields are encoded (ZSTD:
        each field already zstd-compressed by the caller)."""
        body = _content_bytes(content)
        payload_id = self._allocate()
        return self._client._push_payload(
            self.id, payload_id, body, content_encoding, is_beacon, has_session_unloaded
        )

    def push_async(
        self,
        content: Content,
        *,
        is_beacon: bool = False,
        has_session_unloaded: bool = False,
        content_encoding: int = pb.CONTENT_ENCODING_UNSPECIFIED,
        block: bool = True,
        timeout: Optional[float] = None,
    ) -> "concurrent.futures.Future[PushResult]":
        """Pushes one payload on the client's worker threads; the Future gives
        the PushResult or the IngestError. The payload's bytes count against
        the client's max_buffered_bytes until it finishes: when the budget is
        full this blocks (block=True, up to `timeout` seconds) or raises
        BufferFullError (RESOURCE_EXHAUSTED) without allocating an id."""
        body = _content_bytes(content)
        client = self._client
        return client._submit(
            len(body),
            block,
            timeout,
            self._allocate,
            lambda payload_id: client._push_payload(
                self.id, payload_id, body, content_encoding, is_beacon, has_session_unloaded
            ),
        )

    def identify(self, user_identifier: str, user_object: Optional[Mapping[str, str]] = None) -> Position:
        """IdentifySession (overwrites; retries are harmless)."""
        request = pb.IdentifySessionRequest(
            session_id=self.id, user_identifier=user_identifier, user_object=dict(user_object or {})
        )
        return _position(self._client._unary("IdentifySession", request.SerializeToString(), self.id))

    def add_properties(self, properties: Mapping[str, str]) -> Position:
        """AddSessionProperties (overwrites; retries are harmless)."""
        request = pb.AddSessionPropertiesRequest(session_id=self.id, properties=dict(properties))
        return _position(self._client._unary("AddSessionProperties", request.SerializeToString(), self.id))

    def add_feedback(
        self, verbatim: str, *, user_name: str = "", user_email: str = "", timestamp_ms: int = 0
    ) -> Position:
        """AddSessionFeedback (at least once: a retry after a lost answer can
        store it twice)."""
        request = pb.AddSessionFeedbackRequest(
            session_id=self.id, verbatim=verbatim, user_name=user_name, user_email=user_email,
            timestamp_ms=timestamp_ms,
        )
        return _position(self._client._unary("AddSessionFeedback", request.SerializeToString(), self.id))

    def push_backend_errors(self, errors: Iterable[Union["pb.BackendError", Mapping[str, Any]]]) -> int:
        """PushBackendErrors with this session's id on every item."""
        return self._client.push_backend_errors(self._with_session(_messages(pb.BackendError, errors)))

    def push_metrics(self, metrics: Iterable[Union["pb.Metric", Mapping[str, Any]]]) -> int:
        """PushMetrics with this session's id on every item."""
        return self._client.push_metrics(self._with_session(_messages(pb.Metric, metrics)))

    def _with_session(self, items: List[Any]) -> List[Any]:
        for item in items:
            if not item.session_id:
                item.session_id = self.id
        return items


def _content_bytes(content: Content) -> bytes:
    """The serialized PayloadContent, fixed for every attempt."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, (bytearray, memoryview)):
        return bytes(content)  # a copy: the caller may reuse its buffer
    if isinstance(content, pb.PayloadContent):
        return bytes(content.SerializeToString())
    if isinstance(content, Mapping):
        try:
            return bytes(pb.PayloadContent(**content).SerializeToString())
        except (ValueError, TypeError) as error:
            raise ValueError("push: %s (fields of PayloadContent: events, messages, resources, "
                             "web_socket_events, errors)" % error) from None
    raise TypeError("push takes a PayloadContent, a mapping of its fields or its serialized bytes, not %s"
                    % type(content).__name__)


def _messages(cls: Any, items: Iterable[Any]) -> List[Any]:
    out = []
    for item in items:
        if isinstance(item, cls):
            copy = cls()
            copy.CopyFrom(item)
            out.append(copy)
        elif isinstance(item, Mapping):
            out.append(cls(**item))
        else:
            raise TypeError("expected %s or a mapping of its fields, not %s" % (cls.__name__, type(item).__name__))
    return out


def _position(response: Any) -> Position:
    return Position(partition=response.position.partition, offset=response.position.offset)
