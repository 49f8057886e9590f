"""The gateway through the Python SDK (client/python, `session_ingest`), end to end.

Run by tests/clients/run.sh (pytest), which installs the SDK into its cached
venv and exports, from .local/endpoints.env:

  GATEWAY_ADDR  host:port of the gateway (plaintext)
  API_KEY       the local project's API key
  PROJECT_ID    that key's project
  PG_DSN        the PostgreSQL the worker writes to (read with psql)

Optional: KAFKA_MODE ("mock" shrinks the big stream, see STREAM_BYTES),
KAFKA_TOPIC, STREAM_BYTES, PG_WAIT_SECONDS (60) how long rows may take to
appear, GATEWAY_STREAM_CHUNK_BYTES (1 MiB) the gateway's chunk-record size.

Every RPC goes through the SDK; requests the SDK cannot make (a wrong digest,
a chunk before the header, malformed authorization) through the generated
stub the SDK ships (session_ingest.pb_grpc), to keep checking the gateway's
answers to them. What PostgreSQL stored is compared byte for byte.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import threading
import time
import uuid

import grpc
import pytest

import session_ingest as si
from session_ingest import pb, pb_grpc

GATEWAY_ADDR = os.environ.get("GATEWAY_ADDR", "")
API_KEY = os.environ.get("API_KEY", "")
PROJECT_ID = os.environ.get("PROJECT_ID", "")
PG_DSN = os.environ.get("PG_DSN", "")
PG_WAIT_SECONDS = float(os.environ.get("PG_WAIT_SECONDS", "60"))
GATEWAY_CHUNK_BYTES = int(os.environ.get("GATEWAY_STREAM_CHUNK_BYTES", str(1 << 20)))
KAFKA_MODE = os.environ.get("KAFKA_MODE", "")
KAFKA_TOPIC = os.environ.get("KAFKA_TOPIC", "ingest.tasks")
# The serialized PayloadContent of the big stream: 5 MiB, except on
# librdkafka's mock cluster, which keeps only the newest 5 MiB of each
# partition (a hard-coded limit) and drops older records even when no consumer
# has read them yet: a 5 MiB payload there loses its first chunk whenever the
# worker is a few milliseconds behind.
STREAM_BYTES = int(os.environ.get("STREAM_BYTES", str((4 if KAFKA_MODE == "mock" else 5) << 20)))
CLIENT_CHUNK_BYTES = 64 << 10  # content bytes per stream message
CALL_TIMEOUT = 20.0  # seconds per attempt
RETRY = si.RetryPolicy(total_timeout=60.0)  # a broken stack fails the test within a minute
AUTH = (("authorization", "Bearer " + API_KEY),)
C = grpc.StatusCode
DENIED = (si.PermissionDeniedError, si.InvalidRequestError)


def log(message: str) -> None:
    print("    " + message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# PostgreSQL, through psql (no driver in the venv).


def psql(sql, **variables):
    """Rows of `sql` (which may use :'name' for each variable) as lists of str."""
    args = ["psql", PG_DSN, "-X", "-q", "-t", "-A", "-F", "|", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        args += ["-v", "%s=%s" % (name, value)]
    out = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError("psql failed (%d): %s" % (out.returncode, out.stderr.strip()))
    return [line.split("|") for line in out.stdout.splitlines() if line]


def wait_for(description, probe):
    """Polls probe() -> (done, value) until done; returns value; fails at the deadline."""
    deadline = time.monotonic() + PG_WAIT_SECONDS
    while True:
        done, value = probe()
        if done:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("%s: not true after %.0fs (last: %r)" % (description, PG_WAIT_SECONDS, value))
        time.sleep(0.25)


def wait_rows_equal(description, sql, want, **variables):
    """Waits until psql(sql) returns exactly `want` (rows appear before later
    tasks of the session update them: wait for the content, not a row)."""
    return wait_for(description, lambda: (lambda rows: (rows == want, rows))(psql(sql, **variables)))


def stored_data(storage_encoding, data_hex):
    """The uncompressed bytes of a session_payloads row: the worker stores data
    zstd-compressed (storage_encoding 1), which PostgreSQL cannot undo, so the
    zstd CLI does (the python zstandard module is not a dependency)."""
    data = bytes.fromhex(data_hex)
    if storage_encoding == "0":
        return data
    if storage_encoding != "1":
        raise AssertionError("unknown storage_encoding %s" % storage_encoding)
    out = subprocess.run(["zstd", "-d", "-c", "-q"], input=data, capture_output=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError("zstd -d failed: %s" % out.stderr.decode(errors="replace").strip())
    return out.stdout


def stored_payloads(session_id):
    """{payload_id: (chunk rows, chunk indexes, sha256 hex of the chunks concatenated in order)}."""
    rows = psql(
        "SELECT payload_id, chunk_index, storage_encoding, encode(data, 'hex') "
        "FROM session_payloads WHERE session_id = :'sid' ORDER BY payload_id, chunk_index;",
        sid=session_id,
    )
    chunks = {}
    for payload_id, chunk_index, storage_encoding, data_hex in rows:
        chunks.setdefault(int(payload_id), []).append((chunk_index, stored_data(storage_encoding, data_hex)))
    return {
        p: (len(parts), ",".join(i for i, _ in parts), hashlib.sha256(b"".join(d for _, d in parts)).hexdigest())
        for p, parts in chunks.items()
    }


def wait_processed(partition, offset):
    """Waits until the worker has committed past `offset` of `partition`."""

    def probe():
        rows = psql(
            "SELECT next_offset FROM consumer_offsets WHERE topic = :'topic' AND partition = :'p';",
            topic=KAFKA_TOPIC,
            p=partition,
        )
        return bool(rows) and int(rows[0][0]) > offset, rows

    wait_for("consumer_offsets of %s [%d] past %d" % (KAFKA_TOPIC, partition, offset), probe)


def wait_stored(session_id, expected):
    """Waits until session_payloads holds the payloads `expected` = {payload_id:
    (chunks, sha256 hex)} of the session; then asserts they are exactly those,
    with chunk_index 0..chunks-1 and byte-identical content."""
    want = {p: (chunks, ",".join(str(i) for i in range(chunks)), digest) for p, (chunks, digest) in expected.items()}

    def probe():
        have = stored_payloads(session_id)
        return set(have) >= set(want) and all(have[p][0] >= want[p][0] for p in want), have

    try:
        have = wait_for("rows of session %s in session_payloads" % session_id, probe)
    except AssertionError:
        assert stored_payloads(session_id) == want, (
            "PostgreSQL rows of session %s after %.0fs: {payload_id: (rows, chunk indexes, sha256)}"
            % (session_id, PG_WAIT_SECONDS)
        )
        raise
    assert have == want, "PostgreSQL rows of session %s: {payload_id: (rows, chunk indexes, sha256)}" % session_id


# --------------------------------------------------------------------------
# Fixtures


def payload_content(n, size=1000):
    return pb.PayloadContent(
        events=(b'[{"type":3,"n":%d}]' % n) + os.urandom(size),
        messages=b'[{"type":"console.log","value":"hello %d"}]' % n,
        resources=b'[{"name":"https://example.test/app.js"}]',
        errors=b"" if n % 2 else b'[{"event":"TypeError"}]',
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split(data, size):
    return [data[i : i + size] for i in range(0, len(data), size)]


def make_client(api_key=None, **kwargs) -> si.Client:
    kwargs.setdefault("retry", RETRY)
    kwargs.setdefault("call_timeout", CALL_TIMEOUT)
    return si.Client(GATEWAY_ADDR, API_KEY if api_key is None else api_key, **kwargs)


@pytest.fixture(scope="module", autouse=True)
def environment():
    missing = [n for n in ("GATEWAY_ADDR", "API_KEY", "PROJECT_ID", "PG_DSN") if not os.environ.get(n)]
    if missing:
        # An error, not a skip: a run without its target must not pass.
        raise RuntimeError("environment lacks " + ", ".join(missing) + " (run tests/clients/run.sh)")


@pytest.fixture(scope="module")
def client():
    with make_client() as c:
        yield c


@pytest.fixture(scope="module")
def streaming_client():
    """Streams every payload above 64 KiB, in 64 KiB stream messages."""
    with make_client(stream_threshold=64 << 10, stream_chunk_bytes=CLIENT_CHUNK_BYTES) as c:
        yield c


@pytest.fixture(scope="module")
def stub():
    """The generated stub the SDK ships, for requests the SDK never makes."""
    channel = grpc.insecure_channel(GATEWAY_ADDR, options=[("grpc.max_send_message_length", 64 << 20)])
    grpc.channel_ready_future(channel).result(timeout=CALL_TIMEOUT)
    yield pb_grpc.IngestStub(channel)
    channel.close()


def new_session(client, **fields):
    fields.setdefault("project_id", PROJECT_ID)
    fields.setdefault("client_version", "python-client-test")
    session = client.start_session(**fields)
    assert session.id, "InitializeSession returned an empty session id"
    return session


def raw_code(call, *args, **kwargs):
    """Runs a raw stub call; returns its RpcError (fails on OK)."""
    try:
        response = call(*args, **kwargs)
    except grpc.RpcError as error:
        assert error.details(), "a %s without a message" % error.code().name
        return error
    raise AssertionError("expected an error, got OK: %r" % response)


def raw_stream(stub, header, chunks, metadata=AUTH):
    def requests():
        yield pb.PushPayloadStreamRequest(header=header)
        for chunk in chunks:
            yield pb.PushPayloadStreamRequest(chunk=chunk)

    return stub.PushPayloadStream(requests(), metadata=metadata, timeout=120)


def forged_ids(session_id):
    """Ids the gateway never issued, derived from a real one."""
    forged = {}
    if "." in session_id:
        # Another project's prefix on this session's random part (and signature).
        forged["other project prefix"] = "other-project" + session_id[session_id.index(".") :]
    last = session_id[-1]
    alphabet = "0123456789abcdef" if last in "0123456789abcdef" else "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
    replacement = alphabet[(alphabet.index(last) + 1) % len(alphabet)] if last in alphabet else "0"
    forged["last character changed"] = session_id[:-1] + replacement
    return forged


# --------------------------------------------------------------------------


def test_01_initialize_and_push_payloads():
    attempts = []
    with make_client(metadata=[("accept-language", "de-CH,de;q=0.9")], observer=attempts.append) as client:
        session = new_session(
            client,
            firstload_version="1.2.3",
            client_config='{"privacySetting":"none"}',
            environment="test",
            app_version="9.9.9",
            service_name="python-client-test",
            fingerprint="fp-1",
            client_id="client-" + uuid.uuid4().hex[:8],
            enable_strict_privacy=True,
            enable_recording_network_contents=False,
        )
        sid = session.id
        log("session " + sid)
        contents = {n: payload_content(n) for n in (1, 2, 3)}
        last = None
        for n, content in contents.items():
            result = session.push(content, has_session_unloaded=(n == 3))
            assert (result.payload_id, result.streamed, result.attempts) == (n, False, 1)
            assert result.partition >= 0 and result.offset >= 0
            if last is not None:
                # Same session, same key, same partition; acknowledged in order.
                assert result.partition == last.partition
                assert result.offset > last.offset
            last = result
        log("3 payloads acknowledged, last at partition %d offset %d" % (last.partition, last.offset))
        assert [(a.rpc, a.code) for a in attempts] == [("InitializeSession", C.OK)] + [("PushPayload", C.OK)] * 3

        # A resend of an acknowledged payload (same payload_id and bytes, as
        # a retry sends) is OK and stores nothing new.
        retry = client.attach_session(sid, next_payload_id=3).push(contents[3], has_session_unloaded=True)
        assert retry.payload_id == 3

    wait_processed(retry.partition, retry.offset)
    wait_stored(sid, {n: (1, sha(c.SerializeToString())) for n, c in contents.items()})

    def sessions_row():
        rows = psql(
            "SELECT project_id, payload_count, last_payload_id, has_unloaded, client_version, environment, "
            "enable_strict_privacy, peer_ip, user_agent, accept_language "
            "FROM sessions WHERE session_id = :'sid';",
            sid=sid,
        )
        return bool(rows) and rows[0][1] == "3" and rows[0][4] != "", rows

    row = wait_for("sessions row of %s with payload_count 3 and its init" % sid, sessions_row)[0]
    assert row[1:8] == ["3", "3", "t", "python-client-test", "test", "t", "127.0.0.1"], (
        "sessions (payload_count, last_payload_id, has_unloaded, client_version, environment, "
        "enable_strict_privacy, peer_ip)"
    )
    assert row[8].startswith("session-ingest-python/" + si.__version__), "sessions.user_agent: %r" % row[8]
    assert "grpc-python/" in row[8], "sessions.user_agent: %r" % row[8]
    assert row[9] == "de-CH,de;q=0.9", "sessions.accept_language"
    assert row[0] == PROJECT_ID
    log("PostgreSQL: 3 payloads byte-identical (sha256); sessions row: payload_count 3, init fields, "
        "peer ip, user agent %r, accept-language" % row[8])


def test_02_initialize_without_project_id(client):
    session = client.start_session(client_version="python-client-test")
    assert session.id
    assert session.push(payload_content(1)).payload_id == 1


def test_03_initialize_for_another_project(client):
    with pytest.raises(DENIED) as raised:
        client.start_session(project_id="some-other-project")
    assert raised.value.details and raised.value.attempts == 1
    log("project_id of another project -> %s: %s" % (raised.value.code.name, raised.value.details))


def test_04_push_payload_stream(client, streaming_client):
    session = new_session(client)
    # A PayloadContent whose serialization is exactly STREAM_BYTES long
    # (1 tag byte and a varint length before the events).
    overhead = len(pb.PayloadContent(events=bytes(STREAM_BYTES)).SerializeToString()) - STREAM_BYTES
    content = pb.PayloadContent(events=os.urandom(STREAM_BYTES - overhead)).SerializeToString()
    assert len(content) == STREAM_BYTES
    digest = hashlib.sha256(content).digest()
    expected_chunks = math.ceil(len(content) / GATEWAY_CHUNK_BYTES)
    started = time.monotonic()
    # The same session, pushed through the streaming client.
    result = streaming_client.attach_session(session.id).push(content)
    elapsed = time.monotonic() - started
    assert result.streamed
    assert result.payload_id == 1
    assert result.total_bytes == len(content)
    assert result.sha256.hex() == digest.hex()
    assert result.chunk_count == expected_chunks
    assert result.partition >= 0 and result.first_offset >= 0
    assert result.offset - result.first_offset >= expected_chunks - 1
    log("stream: %d bytes in %d x 64 KiB messages -> %d chunk records, offsets %d..%d, %.2fs"
        % (len(content), len(split(content, CLIENT_CHUNK_BYTES)), result.chunk_count, result.first_offset,
           result.offset, elapsed))

    # A small unary payload after it, in the same session.
    small = payload_content(2)
    second = streaming_client.attach_session(session.id, next_payload_id=2).push(small)
    assert (second.payload_id, second.streamed) == (2, False)

    wait_stored(session.id, {1: (expected_chunks, digest.hex()), 2: (1, sha(small.SerializeToString()))})
    log("PostgreSQL: streamed payload stored as %d chunk rows, byte-identical (sha256)" % expected_chunks)


def test_04b_default_threshold_streams_above_4_mib(client):
    # The default client: 4 MiB + 1 byte goes as a stream, 4 MiB as one call.
    session = new_session(client)
    size = (4 << 20) + 1
    overhead = len(pb.PayloadContent(events=bytes(size)).SerializeToString()) - size
    big = pb.PayloadContent(events=os.urandom(size - overhead)).SerializeToString()
    assert len(big) == size
    result = session.push(big)
    assert result.streamed and result.payload_id == 1 and result.sha256 == hashlib.sha256(big).digest()
    wait_processed(result.partition, result.offset)
    wait_stored(session.id, {1: (result.chunk_count, sha(big))})


def test_05_stream_without_optional_sha256():
    with make_client(stream_threshold=100_000, stream_chunk_bytes=50_000, stream_sha256=False) as client:
        session = new_session(client)
        content = payload_content(1, size=300_000).SerializeToString()
        result = session.push(content)
    assert result.streamed
    assert result.sha256 == hashlib.sha256(content).digest()  # the gateway's own
    assert result.total_bytes == len(content)
    chunks = math.ceil(len(content) / GATEWAY_CHUNK_BYTES)
    assert result.chunk_count == chunks
    wait_stored(session.id, {1: (chunks, sha(content))})


def test_06_stream_rejections(client, stub):
    sid = new_session(client).id
    content = payload_content(1, size=100_000).SerializeToString()
    header = dict(session_id=sid, total_bytes=len(content))
    chunks = split(content, CLIENT_CHUNK_BYTES)
    error = raw_code(raw_stream, stub, pb.PayloadStreamHeader(payload_id=1, sha256=b"\0" * 32, **header), chunks)
    assert error.code() in (C.INVALID_ARGUMENT, C.DATA_LOSS), error
    log("wrong sha256 -> %s: %s" % (error.code().name, error.details()))
    # Fewer, then more bytes than total_bytes.
    error = raw_code(raw_stream, stub, pb.PayloadStreamHeader(payload_id=2, **header), split(content[:-10], 65536))
    assert error.code() == C.INVALID_ARGUMENT, error
    error = raw_code(raw_stream, stub, pb.PayloadStreamHeader(payload_id=3, **header), split(content + b"extra", 65536))
    assert error.code() == C.INVALID_ARGUMENT, error
    error = raw_code(raw_stream, stub, pb.PayloadStreamHeader(payload_id=0, **header), chunks)
    assert error.code() == C.INVALID_ARGUMENT, error
    # A chunk before any header.
    error = raw_code(stub.PushPayloadStream, iter([pb.PushPayloadStreamRequest(chunk=b"x")]), metadata=AUTH,
                     timeout=CALL_TIMEOUT)
    assert error.code() == C.INVALID_ARGUMENT, error
    error = raw_code(raw_stream, stub, pb.PayloadStreamHeader(payload_id=4, **header), chunks, metadata=())
    assert error.code() == C.UNAUTHENTICATED, error
    # Through the SDK: a stream with an unknown key is final at once.
    with make_client(api_key="sk_not_a_key_of_this_gateway", stream_threshold=1000) as bad:
        with pytest.raises(si.AuthenticationError) as raised:
            bad.attach_session(sid, next_payload_id=4).push(content)
    assert raised.value.rpc == "PushPayloadStream" and raised.value.attempts == 1


def test_06b_stream_resent_after_a_digest_mismatch(client, streaming_client, stub):
    # The client's bytes were corrupted on the way (the digest in the
    # header is of the right ones): the gateway refuses the call, the SDK
    # sends the payload again with the same payload_id, and what is stored
    # must be the resent bytes, not chunks left by the first try.
    sid = new_session(client).id
    size = GATEWAY_CHUNK_BYTES * 5 // 2  # 3 chunk records, fits the mock cluster
    overhead = len(pb.PayloadContent(events=bytes(size)).SerializeToString()) - size
    good = pb.PayloadContent(events=os.urandom(size - overhead)).SerializeToString()
    bad = bytes(len(good) - 1) + good[-1:]  # every chunk but the last differs
    header = pb.PayloadStreamHeader(session_id=sid, payload_id=1, total_bytes=len(good),
                                    sha256=hashlib.sha256(good).digest())
    error = raw_code(raw_stream, stub, header, split(bad, CLIENT_CHUNK_BYTES))
    assert error.code() in (C.INVALID_ARGUMENT, C.DATA_LOSS), error
    log("corrupted stream -> %s: %s" % (error.code().name, error.details()))
    result = streaming_client.attach_session(sid, next_payload_id=1).push(good)
    assert result.streamed and result.sha256 == hashlib.sha256(good).digest()
    wait_processed(result.partition, result.offset)
    wait_stored(sid, {1: (result.chunk_count, sha(good))})
    log("resent stream stored byte-identical (%d chunk rows)" % result.chunk_count)


def test_07_session_rpcs(client):
    session = new_session(client)
    sid = session.id
    assert session.identify("ada@example.test", {"plan": "pro", "id": "42"}).partition >= 0
    assert session.add_properties({"page": "/checkout", "ab": "B"}).partition >= 0
    assert session.add_feedback("the button does nothing", user_name="Ada",
                                user_email="ada@example.test").partition >= 0
    now_ms = int(time.time() * 1000)
    marker = uuid.uuid4().hex[:12]  # finds the session-less rows
    records = client.push_backend_errors([
        si.BackendError(session_id=sid, event="boom", type="ValueError", timestamp_ms=now_ms,
                        stack_trace="Traceback ...", service_name="api"),
        {"event": "no session " + marker, "type": "KeyError", "timestamp_ms": now_ms, "service_name": "api"},
    ])
    assert records == 2, "one record for the session's errors, one for the project's"
    assert session.push_metrics([{"name": "LCP", "value": 1234.5, "category": "WebVital",
                                  "timestamp_ms": now_ms}]) == 1
    assert client.push_metrics([si.Metric(name="queue_depth_" + marker, value=7, tags={"region": "eu"},
                                          timestamp_ms=now_ms)]) == 1
    log("OK: identify, add_properties, add_feedback, push_backend_errors, push_metrics (session and client)")

    checks = {
        "sessions": (
            "SELECT user_identifier, user_object->>'plan', properties->>'page' FROM sessions "
            "WHERE session_id = :'sid';",
            [["ada@example.test", "pro", "/checkout"]],
        ),
        "session_feedback": (
            "SELECT verbatim, user_email FROM session_feedback WHERE session_id = :'sid';",
            [["the button does nothing", "ada@example.test"]],
        ),
        "backend_errors": (
            "SELECT coalesce(session_id = :'sid', false), project_id, event, type FROM backend_errors "
            "WHERE session_id = :'sid' OR (session_id IS NULL AND event = 'no session ' || :'marker') "
            "ORDER BY 1 DESC;",
            [["t", PROJECT_ID, "boom", "ValueError"], ["f", PROJECT_ID, "no session " + marker, "KeyError"]],
        ),
        "metrics": (
            "SELECT coalesce(session_id = :'sid', false), project_id, name, value, tags->>'region' FROM metrics "
            "WHERE session_id = :'sid' OR (session_id IS NULL AND name = 'queue_depth_' || :'marker') "
            "ORDER BY 1 DESC;",
            [["t", PROJECT_ID, "LCP", "1234.5", ""], ["f", PROJECT_ID, "queue_depth_" + marker, "7", "eu"]],
        ),
    }
    for table, (sql, want) in checks.items():
        have = wait_rows_equal("%s rows of session %s" % (table, sid), sql, want, sid=sid, marker=marker)
        assert have == want, "PostgreSQL %s" % table
    log("PostgreSQL: identity, properties, feedback, 2 backend errors, 2 metrics stored")


def test_08_unauthenticated(client, stub):
    sid = new_session(client).id
    with make_client(api_key="sk_not_a_key_of_this_gateway") as bad:
        for name, call in (
            ("start_session", lambda: bad.start_session()),
            ("push", lambda: bad.attach_session(sid).push(payload_content(1))),
            ("push_metrics", lambda: bad.push_metrics([{"name": "x", "value": 1}])),
        ):
            with pytest.raises(si.AuthenticationError) as raised:
                call()
            assert raised.value.code == C.UNAUTHENTICATED and raised.value.attempts == 1, name
            assert raised.value.details, name
    # Authorization the SDK never sends.
    for name, metadata in (
        ("no metadata", ()),
        ("not a bearer token", (("authorization", "Basic " + API_KEY),)),
        ("bearer without a key", (("authorization", "Bearer"),)),
    ):
        for call, request in (
            (stub.InitializeSession, pb.InitializeSessionRequest()),
            (stub.PushPayload, pb.PushPayloadRequest(session_id=sid, payload_id=1, content=payload_content(1))),
            (stub.PushMetrics, pb.PushMetricsRequest(metrics=[pb.Metric(name="x", value=1)])),
        ):
            error = raw_code(call, request, metadata=metadata, timeout=CALL_TIMEOUT)
            assert error.code() == C.UNAUTHENTICATED, (name, error)


def test_09_forged_session_ids(client, streaming_client):
    sid = new_session(client).id
    for name, forged in forged_ids(sid).items():
        with pytest.raises(DENIED) as raised:
            client.attach_session(forged).push(payload_content(1))
        assert raised.value.attempts == 1
        log("forged id (%s) %s -> %s" % (name, forged, raised.value.code.name))
        with pytest.raises(DENIED):
            client.attach_session(forged).identify("mallory")
        with pytest.raises(DENIED) as raised:
            streaming_client.attach_session(forged).push(payload_content(1, size=100_000))
        assert raised.value.rpc == "PushPayloadStream"
    # Nothing of a forged id reached PostgreSQL (by the time the real
    # session's init is there).
    wait_for("sessions row of " + sid,
             lambda: (lambda rows: (bool(rows), rows))(psql("SELECT 1 FROM sessions WHERE session_id = :'sid';",
                                                            sid=sid)))
    for forged in forged_ids(sid).values():
        assert psql(
            "SELECT (SELECT count(*) FROM session_payloads WHERE session_id = :'sid') + "
            "(SELECT count(*) FROM sessions WHERE session_id = :'sid');",
            sid=forged,
        ) == [["0"]], "rows of forged session id " + forged


def test_10_invalid_arguments(client, stub):
    sid = new_session(client).id
    with pytest.raises(si.InvalidRequestError) as raised:
        client.attach_session("not-a-session-id").push(payload_content(1))
    assert raised.value.attempts == 1 and raised.value.details
    with pytest.raises(si.InvalidRequestError):
        client.attach_session("not-a-session-id").identify("x")
    # Ids the SDK refuses to send itself.
    with pytest.raises(ValueError):
        client.attach_session("")
    with pytest.raises(ValueError):
        client.attach_session(sid, next_payload_id=0)
    for name, session_id, payload_id in (("empty session id", "", 1), ("payload_id 0", sid, 0)):
        error = raw_code(stub.PushPayload,
                         pb.PushPayloadRequest(session_id=session_id, payload_id=payload_id, content=payload_content(1)),
                         metadata=AUTH, timeout=CALL_TIMEOUT)
        assert error.code() == C.INVALID_ARGUMENT, (name, error)
    error = raw_code(stub.IdentifySession, pb.IdentifySessionRequest(session_id="", user_identifier="x"),
                     metadata=AUTH, timeout=CALL_TIMEOUT)
    assert error.code() == C.INVALID_ARGUMENT, error


def test_11_push_async_from_threads_stores_ids_1_to_n(client):
    # A small byte budget, several threads: every payload stored once, ids
    # 1..N without gaps, never more than the budget buffered.
    n_threads, per_thread = 4, 15
    with make_client(max_buffered_bytes=64 << 10, async_workers=4) as async_client:
        session = new_session(async_client)
        futures = []
        lock = threading.Lock()

        def pusher():
            for i in range(per_thread):
                future = session.push_async(payload_content(i, size=8000))
                with lock:
                    futures.append(future)

        threads = [threading.Thread(target=pusher) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results = [f.result(timeout=120) for f in futures]
        assert async_client.peak_buffered_bytes <= 64 << 10
    total = n_threads * per_thread
    assert sorted(r.payload_id for r in results) == list(range(1, total + 1))
    want = [[str(total), "1", str(total)]]
    have = wait_rows_equal(
        "payload ids of session %s" % session.id,
        "SELECT count(DISTINCT payload_id), min(payload_id), max(payload_id) FROM session_payloads "
        "WHERE session_id = :'sid';",
        want,
        sid=session.id,
    )
    assert have == want
    log("push_async: %d payloads from %d threads stored once each, ids 1..%d" % (total, n_threads, total))
