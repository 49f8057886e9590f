"""The Client and Session against a scripted fake gateway (tests/fake_gateway.py).

Every status of RETRY.md, what a retry sends, retry-after, giving up,
failover, streaming, the bounded async push, the observer and payload ids.
Backoff waits go to a fake clock: no test sleeps for them.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time

import grpc
import pytest

import session_ingest as si
from conftest import API_KEY, closed_port
from fake_gateway import OK, Reply

C = grpc.StatusCode

RETRIED = [
    Reply(C.UNAVAILABLE, "kafka did not acknowledge in time"),
    Reply(C.RESOURCE_EXHAUSTED, "project rate used up", (("retry-after-ms", "1500"), ("grpc-retry-pushback-ms", "1500"))),
    Reply(C.DEADLINE_EXCEEDED, "deadline passed"),
    Reply(C.ABORTED, "try again"),
    Reply(C.CANCELLED, "the gateway stopped before handling the call"),
]
FINAL = [
    (C.INVALID_ARGUMENT, si.InvalidRequestError),
    (C.UNAUTHENTICATED, si.AuthenticationError),
    (C.PERMISSION_DENIED, si.PermissionDeniedError),
    (C.INTERNAL, si.IngestError),
    (C.UNKNOWN, si.IngestError),
    (C.UNIMPLEMENTED, si.IngestError),
    (C.NOT_FOUND, si.IngestError),
    (C.FAILED_PRECONDITION, si.IngestError),
]


def content(n: int, size: int = 200) -> si.PayloadContent:
    return si.PayloadContent(events=b'[{"type":3,"n":%d}]' % n + os.urandom(size), messages=b"[]")


def test_start_session_push_and_session_calls_carry_the_key_and_the_session(gateway, make_client):
    client = make_client()
    session = client.start_session(environment="test", fingerprint="fp")
    assert session.id == "proj.session-1"
    (init,) = gateway.calls_of("InitializeSession")
    assert init.request.environment == "test" and init.request.fingerprint == "fp"
    assert init.request.client_version == "session-ingest-python/" + si.__version__

    results = [session.push(content(n), has_session_unloaded=(n == 3)) for n in (1, 2, 3)]
    assert [r.payload_id for r in results] == [1, 2, 3]
    assert not any(r.streamed for r in results)
    pushes = gateway.calls_of("PushPayload")
    assert [c.request.payload_id for c in pushes] == [1, 2, 3]
    assert {c.request.session_id for c in pushes} == {session.id}
    assert [c.request.has_session_unloaded for c in pushes] == [False, False, True]

    assert isinstance(session.identify("ada", {"plan": "pro"}), si.Position)
    session.add_properties({"page": "/"})
    session.add_feedback("broken", user_email="ada@example.test")
    assert session.push_backend_errors([{"event": "boom"}]) == 1
    assert session.push_metrics([si.Metric(name="LCP", value=1.0)]) == 1
    assert client.push_metrics([{"name": "queue", "value": 3}, {"name": "q", "session_id": session.id}]) == 2
    assert gateway.calls_of("IdentifySession")[0].request.user_object["plan"] == "pro"
    assert gateway.calls_of("AddSessionFeedback")[0].request.session_id == session.id
    assert gateway.calls_of("PushBackendErrors")[0].request.errors[0].session_id == session.id
    assert gateway.calls_of("PushMetrics")[0].request.metrics[0].session_id == session.id
    assert {c.metadata.get("authorization") for c in gateway.calls} == {"Bearer " + API_KEY}


@pytest.mark.parametrize("reply", RETRIED, ids=lambda r: r.code.name)
def test_a_retried_status_is_retried_with_the_same_id_and_bytes(gateway, make_client, fake_time, reply):
    client = make_client()
    session = client.attach_session("proj.s", next_payload_id=5)
    gateway.script("PushPayload", reply, reply)
    result = session.push(content(5), is_beacon=True)
    assert result.payload_id == 5 and result.attempts == 3
    calls = gateway.calls_of("PushPayload")
    assert [c.code for c in calls] == [reply.code, reply.code, C.OK]
    assert len({c.wire() for c in calls}) == 1, "every attempt sends the same bytes"
    assert calls[0].request.payload_id == 5 and calls[0].request.is_beacon
    assert len(fake_time.sleeps) == 2
    assert session.next_payload_id == 6


@pytest.mark.parametrize("reply", RETRIED, ids=lambda r: r.code.name)
def test_retried_statuses_of_the_other_rpcs(gateway, make_client, reply):
    client = make_client()
    for rpc, call in (
        ("InitializeSession", lambda: client.start_session()),
        ("IdentifySession", lambda: client.attach_session("s").identify("u")),
        ("AddSessionProperties", lambda: client.attach_session("s").add_properties({"a": "b"})),
        ("AddSessionFeedback", lambda: client.attach_session("s").add_feedback("v")),
        ("PushBackendErrors", lambda: client.push_backend_errors([{"event": "e"}])),
        ("PushMetrics", lambda: client.push_metrics([{"name": "m"}])),
    ):
        gateway.script(rpc, reply)
        call()
        calls = gateway.calls_of(rpc)
        assert [c.code for c in calls] == [reply.code, C.OK], rpc
        assert calls[0].wire() == calls[1].wire(), rpc


@pytest.mark.parametrize("code,error", FINAL, ids=lambda v: getattr(v, "name", ""))
def test_a_final_status_is_raised_at_once_with_the_gateways_message(gateway, make_client, fake_time, code, error):
    client = make_client()
    session = client.attach_session("proj.s")
    gateway.script("PushPayload", Reply(code, "the gateway says: fix X"))
    with pytest.raises(error) as raised:
        session.push(content(1))
    assert type(raised.value) is error
    assert raised.value.code == code
    assert raised.value.details == "the gateway says: fix X"
    assert "fix X" in str(raised.value) and code.name in str(raised.value)
    assert raised.value.payload_id == 1 and raised.value.session_id == "proj.s" and raised.value.attempts == 1
    assert len(gateway.calls_of("PushPayload")) == 1 and fake_time.sleeps == []
    # The id stays used: the next payload is 2, never a renumbered 1.
    assert session.push(content(2)).payload_id == 2


def test_final_statuses_of_session_calls_raise(gateway, make_client):
    client = make_client()
    gateway.script("InitializeSession", Reply(C.UNAUTHENTICATED, "unknown API key"))
    with pytest.raises(si.AuthenticationError, match="unknown API key"):
        client.start_session()
    gateway.script("IdentifySession", Reply(C.PERMISSION_DENIED, "session of another project"))
    with pytest.raises(si.PermissionDeniedError, match="another project"):
        client.attach_session("x").identify("u")
    gateway.script("PushMetrics", Reply(C.RESOURCE_EXHAUSTED, "message too large"))  # no retry-after: final
    with pytest.raises(si.IngestError) as raised:
        client.push_metrics([{"name": "m"}])
    assert raised.value.code == C.RESOURCE_EXHAUSTED
    assert len(gateway.calls_of("PushMetrics")) == 1


def test_retry_after_is_honoured(gateway, make_client, fake_time):
    # Jitter drawn as 0: every wait is the pushback.
    rng = random.Random()
    rng.uniform = lambda a, b: a  # type: ignore[method-assign]
    client = make_client(rng=rng)
    gateway.script(
        "PushPayload",
        Reply(C.RESOURCE_EXHAUSTED, "budget", (("retry-after-ms", "1500"), ("grpc-retry-pushback-ms", "1500"))),
        Reply(C.RESOURCE_EXHAUSTED, "budget", (("grpc-retry-pushback-ms", "2750"),)),
        Reply(C.UNAVAILABLE, "restarting"),
    )
    client.attach_session("s").push(content(1))
    assert fake_time.sleeps == [1.5, 2.75, 0.0]


def test_retry_after_longer_than_the_backoff_wins_and_shorter_does_not_cut_it(gateway, make_client, fake_time):
    rng = random.Random()
    rng.uniform = lambda a, b: b  # type: ignore[method-assign] # the ceiling: 0.1, 0.2, ...
    client = make_client(rng=rng)
    gateway.script(
        "PushPayload",
        Reply(C.RESOURCE_EXHAUSTED, "x", (("retry-after-ms", "50"),)),
        Reply(C.RESOURCE_EXHAUSTED, "x", (("retry-after-ms", "900"),)),
    )
    client.attach_session("s").push(content(1))
    assert fake_time.sleeps == pytest.approx([0.1, 0.9])


def test_gives_up_after_max_attempts_with_the_last_status(gateway, make_client, fake_time):
    client = make_client(retry=si.RetryPolicy(max_attempts=4))
    gateway.script("PushPayload", *[Reply(C.UNAVAILABLE, "down %d" % i) for i in range(10)])
    session = client.attach_session("s")
    with pytest.raises(si.RetryExhaustedError) as raised:
        session.push(content(1))
    assert raised.value.code == C.UNAVAILABLE and raised.value.attempts == 4
    assert "down 3" in raised.value.details and "max_attempts" in raised.value.details
    assert len(gateway.calls_of("PushPayload")) == 4 and len(fake_time.sleeps) == 3


def test_gives_up_after_total_timeout(gateway, make_client, fake_time):
    client = make_client(retry=si.RetryPolicy(total_timeout=30.0, initial_backoff=1.0, max_backoff=8.0))
    gateway.script("PushPayload", *[Reply(C.UNAVAILABLE, "down")] * 100)
    with pytest.raises(si.RetryExhaustedError) as raised:
        client.attach_session("s").push(content(1))
    assert "total_timeout" in raised.value.details
    assert sum(fake_time.sleeps) <= 30.0
    assert 1 < raised.value.attempts < 100
    assert len(gateway.calls_of("PushPayload")) == raised.value.attempts


def test_gives_up_at_once_when_retry_after_passes_the_total_timeout(gateway, make_client, fake_time):
    client = make_client(retry=si.RetryPolicy(total_timeout=5.0))
    gateway.script("PushPayload", Reply(C.RESOURCE_EXHAUSTED, "rate", (("retry-after-ms", "60000"),)))
    with pytest.raises(si.RetryExhaustedError) as raised:
        client.attach_session("s").push(content(1))
    assert raised.value.retry_after == 60.0 and raised.value.attempts == 1 and fake_time.sleeps == []


def test_fails_over_to_the_next_target_when_the_first_refuses_connections(gateway, make_client):
    attempts = []
    dead = "127.0.0.1:%d" % closed_port()
    client = make_client(targets=[dead, gateway.target], observer=attempts.append)
    session = client.start_session()
    assert session.push(content(1)).payload_id == 1
    assert [(a.target, a.code) for a in attempts[:2]] == [(dead, C.UNAVAILABLE), (gateway.target, C.OK)]
    # Later calls stay on the target that answered.
    assert all(a.target == gateway.target for a in attempts[1:])


def test_payloads_above_the_threshold_are_streamed_and_reassemble(gateway, make_client):
    client = make_client(stream_threshold=10_000, stream_chunk_bytes=4096)
    session = client.attach_session("s")
    small, big = content(1, 5_000), content(2, 50_000)
    assert not session.push(small).streamed
    result = session.push(big, has_session_unloaded=True)
    body = big.SerializeToString()
    assert result.streamed and result.payload_id == 2 and result.total_bytes == len(body)
    assert result.sha256 == hashlib.sha256(body).digest()
    (call,) = gateway.calls_of("PushPayloadStream")
    header = call.request
    assert (header.session_id, header.payload_id, header.total_bytes) == ("s", 2, len(body))
    assert header.sha256 == hashlib.sha256(body).digest() and header.has_session_unloaded
    assert call.content == body
    assert [len(c) for c in call.chunks] == [4096] * (len(body) // 4096) + [len(body) % 4096]
    assert si.PayloadContent.FromString(call.content) == big


def test_raw_bytes_mappings_and_zstd_encoding_are_sent_as_given(gateway, make_client):
    client = make_client(stream_threshold=1000)
    session = client.attach_session("s")
    raw = si.PayloadContent(events=b"x" * 3000).SerializeToString()
    session.push(bytearray(raw), content_encoding=si.ContentEncoding.Value("CONTENT_ENCODING_ZSTD"))
    session.push({"events": b"[]", "errors": b"[1]"})
    (stream,) = gateway.calls_of("PushPayloadStream")
    assert stream.content == raw and stream.request.content_encoding == 2
    (unary,) = gateway.calls_of("PushPayload")
    assert unary.request.content == si.PayloadContent(events=b"[]", errors=b"[1]")
    with pytest.raises(ValueError, match="PayloadContent"):
        session.push({"event": b"typo"})
    assert session.next_payload_id == 3, "a refused argument allocates no id"


def test_a_retried_stream_starts_again_from_its_header_with_the_same_bytes(gateway, make_client):
    client = make_client(stream_threshold=1000, stream_chunk_bytes=1000)
    gateway.script(
        "PushPayloadStream", Reply(C.UNAVAILABLE, "replica restarting"), Reply(C.DEADLINE_EXCEEDED, "slow")
    )
    payload = content(1, 20_000)
    result = client.attach_session("s").push(payload)
    assert result.streamed and result.attempts == 3
    calls = gateway.calls_of("PushPayloadStream")
    assert [c.code for c in calls] == [C.UNAVAILABLE, C.DEADLINE_EXCEEDED, C.OK]
    assert len({c.wire() for c in calls}) == 1, "same header"
    assert {c.content for c in calls} == {payload.SerializeToString()}
    assert len({tuple(c.chunks) for c in calls}) == 1, "same chunk messages"


def test_a_unary_payload_refused_as_too_large_is_resent_as_a_stream(gateway, make_client, fake_time):
    client = make_client()
    gateway.script("PushPayload", Reply(C.RESOURCE_EXHAUSTED, "message larger than max"))
    payload = content(1, 3000)
    result = client.attach_session("s").push(payload)
    assert result.streamed and result.payload_id == 1 and result.attempts == 2
    (stream,) = gateway.calls_of("PushPayloadStream")
    assert stream.request.payload_id == 1 and stream.content == payload.SerializeToString()
    assert fake_time.sleeps == []


def test_push_async_is_bounded_by_the_byte_budget(gateway, make_client):
    budget = 100_000
    client = make_client(max_buffered_bytes=budget, async_workers=8)
    session = client.attach_session("s")
    gateway.script("PushPayload", *[Reply(delay=0.02)] * 40)
    futures = [session.push_async(content(n, 30_000)) for n in range(1, 41)]
    results = [f.result(timeout=30) for f in futures]
    assert sorted(r.payload_id for r in results) == list(range(1, 41))
    assert client.peak_buffered_bytes <= budget
    assert gateway.peak_in_flight_bytes <= budget
    assert gateway.peak_in_flight_bytes >= 60_000, "pushes did overlap"
    assert client.flush(timeout=5) and client.buffered_bytes == 0


def test_push_async_without_blocking_raises_when_the_budget_is_full(gateway, make_client):
    client = make_client(max_buffered_bytes=50_000)
    session = client.attach_session("s")
    release = threading.Event()
    gateway.script("PushPayload", Reply(delay=0.5))
    first = session.push_async(content(1, 40_000))
    with pytest.raises(si.BufferFullError) as raised:
        session.push_async(content(2, 40_000), block=False)
    assert raised.value.code == C.RESOURCE_EXHAUSTED
    with pytest.raises(si.BufferFullError):
        session.push_async(content(2, 40_000), timeout=0.05)
    assert first.result(timeout=10).payload_id == 1
    assert session.push_async(content(3, 40_000), block=False).result(timeout=10).payload_id == 2
    release.set()


def test_push_async_failures_reach_the_future(gateway, make_client):
    client = make_client()
    gateway.script("PushPayload", Reply(C.INVALID_ARGUMENT, "payload_id must increase"))
    future = client.attach_session("s").push_async(content(1))
    with pytest.raises(si.InvalidRequestError, match="must increase"):
        future.result(timeout=10)
    assert client.flush(timeout=5)


def test_the_observer_sees_every_attempt(gateway, make_client):
    seen = []
    client = make_client(observer=seen.append)
    gateway.script("PushPayload", Reply(C.UNAVAILABLE, "a"), Reply(C.RESOURCE_EXHAUSTED, "b", (("retry-after-ms", "20"),)))
    client.attach_session("s").push(content(1))
    assert [(a.rpc, a.attempt, a.code, a.payload_id) for a in seen] == [
        ("PushPayload", 1, C.UNAVAILABLE, 1),
        ("PushPayload", 2, C.RESOURCE_EXHAUSTED, 1),
        ("PushPayload", 3, C.OK, 1),
    ]
    assert seen[0].backoff is not None and seen[1].retry_after == 0.02 and seen[1].backoff >= 0.02
    assert seen[2].backoff is None and seen[0].details == "a"


def test_an_observer_that_raises_does_not_lose_the_payload(gateway, make_client):
    def broken(_attempt):
        raise RuntimeError("observer bug")

    client = make_client(observer=broken)
    assert client.attach_session("s").push(content(1)).payload_id == 1


def test_payload_ids_are_1_to_n_without_gaps_under_threads(gateway, make_client):
    client = make_client(async_workers=4)
    session = client.start_session()
    threads_n, per_thread = 8, 25
    results = []
    lock = threading.Lock()

    def pusher(k):
        for i in range(per_thread):
            if i % 2:
                r = session.push(content(i, 10))
            else:
                r = session.push_async(content(i, 10)).result(timeout=30)
            with lock:
                results.append(r.payload_id)

    threads = [threading.Thread(target=pusher, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    n = threads_n * per_thread
    assert sorted(results) == list(range(1, n + 1))
    assert sorted(c.request.payload_id for c in gateway.calls_of("PushPayload")) == list(range(1, n + 1))


def test_context_manager_waits_for_async_pushes_and_closes(gateway, fake_time):
    with si.Client(gateway.target, API_KEY, sleep=fake_time.sleep, clock=fake_time.clock) as client:
        gateway.script("PushPayload", Reply(delay=0.2))
        future = client.attach_session("s").push_async(content(1))
    assert future.done() and future.result().payload_id == 1
    with pytest.raises(si.ClientClosedError):
        client.attach_session("s").push(content(2))
    with pytest.raises(si.ClientClosedError):
        client.attach_session("s").push_async(content(2))


def test_close_without_waiting_cancels_a_call_waiting_to_retry(gateway):
    client = si.Client(gateway.target, API_KEY, retry=si.RetryPolicy(initial_backoff=30, max_backoff=30),
                       rng=type("R", (), {"uniform": lambda self, a, b: b})())
    gateway.script("PushPayload", Reply(C.UNAVAILABLE, "down"))
    future = client.attach_session("s").push_async(content(1))
    deadline = time.monotonic() + 10
    while not gateway.calls_of("PushPayload") and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    client.close(wait=False)
    with pytest.raises(si.CallCancelledError):
        future.result(timeout=10)
    assert time.monotonic() - started < 5


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="API key"):
        si.Client("127.0.0.1:1", "")
    with pytest.raises(ValueError, match="target"):
        si.Client([], "k")
    with si.Client("127.0.0.1:1", "k") as client:
        with pytest.raises(ValueError):
            client.attach_session("")
        with pytest.raises(ValueError):
            client.attach_session("s", next_payload_id=0)
        with pytest.raises(ValueError, match="InitializeSessionRequest"):
            client.start_session(no_such_field=1)
        with pytest.raises(TypeError):
            client.attach_session("s").push(12)  # type: ignore[arg-type]
