"""The gateway through a generated Python client (grpcio), end to end.

Run by tests/clients/run.sh, which generates the stubs from proto/ into a
temporary directory on PYTHONPATH and exports, from .local/endpoints.env:

  GATEWAY_ADDR  host:port of the gateway (plaintext)
  API_KEY       the local project's API key
  PROJECT_ID    that key's project
  PG_DSN        the PostgreSQL the worker writes to (read with psql)

Optional: KAFKA_MODE (from endpoints.env; "mock" shrinks the big stream, see
STREAM_BYTES below), STREAM_BYTES, PG_WAIT_SECONDS (60) how long rows may take
to appear, GATEWAY_STREAM_CHUNK_BYTES (1 MiB) the gateway's chunk-record size.

Only the standard library, grpcio and protobuf: run it directly
(`python python_client_test.py -v`) or with `python -m unittest`.
"""

import hashlib
import math
import os
import subprocess
import sys
import time
import unittest
import uuid

import grpc

from ingest.v1 import ingest_pb2 as pb
from ingest.v1 import ingest_pb2_grpc as pb_grpc

GATEWAY_ADDR = os.environ.get("GATEWAY_ADDR", "")
API_KEY = os.environ.get("API_KEY", "")
PROJECT_ID = os.environ.get("PROJECT_ID", "")
PG_DSN = os.environ.get("PG_DSN", "")
PG_WAIT_SECONDS = float(os.environ.get("PG_WAIT_SECONDS", "60"))
GATEWAY_CHUNK_BYTES = int(os.environ.get("GATEWAY_STREAM_CHUNK_BYTES", str(1 << 20)))

CALL_TIMEOUT = 20  # seconds, every unary call
STREAM_TIMEOUT = 120  # seconds, every stream
KAFKA_MODE = os.environ.get("KAFKA_MODE", "")
KAFKA_TOPIC = os.environ.get("KAFKA_TOPIC", "ingest.tasks")
# The serialized PayloadContent of the big stream: 5 MiB, except on
# librdkafka's mock cluster, which keeps only the newest 5 MiB of each
# partition (a hard-coded limit) and drops older records even when no consumer
# has read them yet: a 5 MiB payload there loses its first chunk whenever the
# worker is a few milliseconds behind.
STREAM_BYTES = int(os.environ.get("STREAM_BYTES", str((4 if KAFKA_MODE == "mock" else 5) << 20)))
CLIENT_CHUNK_BYTES = 64 << 10  # what this client sends per `chunk` message

AUTH = (("authorization", "Bearer " + API_KEY),)
C = grpc.StatusCode


def log(message):
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
    """Polls probe() until it returns a true value; fails at the deadline."""
    deadline = time.monotonic() + PG_WAIT_SECONDS
    last = None
    while True:
        last = probe()
        if last and last[0]:
            return last[1]
        if time.monotonic() >= deadline:
            raise AssertionError(
                "%s: not true after %.0fs (last: %r)" % (description, PG_WAIT_SECONDS, last[1] if last else None)
            )
        time.sleep(0.25)


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


def wait_stored(test, session_id, expected):
    """Waits until session_payloads holds the payloads `expected` = {payload_id:
    (chunks, sha256 hex)} of the session; then asserts they are exactly those,
    with chunk_index 0..chunks-1 and byte-identical content."""
    want = {
        p: (chunks, ",".join(str(i) for i in range(chunks)), digest) for p, (chunks, digest) in expected.items()
    }

    def probe():
        have = stored_payloads(session_id)
        complete = set(have) >= set(want) and all(have[p][0] >= want[p][0] for p in want)
        return complete, have

    try:
        have = wait_for("rows of session %s in session_payloads" % session_id, probe)
    except AssertionError:
        have = stored_payloads(session_id)
        test.assertEqual(have, want, "PostgreSQL rows of session %s after %.0fs: {payload_id: (rows, chunk "
                         "indexes, sha256)}" % (session_id, PG_WAIT_SECONDS))
        raise
    test.assertEqual(have, want, "PostgreSQL rows of session %s: {payload_id: (rows, chunk indexes, sha256)}"
                     % session_id)


# --------------------------------------------------------------------------


def payload_content(n, size=1000):
    return pb.PayloadContent(
        events=(b'[{"type":3,"n":%d}]' % n) + os.urandom(size),
        messages=b'[{"type":"console.log","value":"hello %d"}]' % n,
        resources=b'[{"name":"https://example.test/app.js"}]',
        errors=b"" if n % 2 else b'[{"event":"TypeError"}]',
    )


class GatewayTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [n for n in ("GATEWAY_ADDR", "API_KEY", "PROJECT_ID", "PG_DSN") if not os.environ.get(n)]
        if missing:
            # An error, not a skip: a run without its target must not pass.
            raise RuntimeError("environment lacks " + ", ".join(missing) + " (run tests/clients/run.sh)")
        cls.channel = grpc.insecure_channel(
            GATEWAY_ADDR,
            options=[
                ("grpc.max_send_message_length", 64 << 20),
                ("grpc.max_receive_message_length", 64 << 20),
            ],
        )
        grpc.channel_ready_future(cls.channel).result(timeout=CALL_TIMEOUT)
        cls.stub = pb_grpc.IngestStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def new_session(self, extra_metadata=(), **fields):
        fields.setdefault("project_id", PROJECT_ID)
        fields.setdefault("client_version", "python-client-test")
        response = self.stub.InitializeSession(
            pb.InitializeSessionRequest(**fields), metadata=AUTH + tuple(extra_metadata), timeout=CALL_TIMEOUT
        )
        self.assertTrue(response.session_id, "InitializeSession returned an empty session id")
        return response.session_id

    def assert_code(self, codes, call, *args, **kwargs):
        """Runs call(*args, **kwargs); asserts it fails with one of `codes`."""
        if isinstance(codes, grpc.StatusCode):
            codes = (codes,)
        try:
            response = call(*args, **kwargs)
        except grpc.RpcError as error:
            self.assertIn(
                error.code(),
                codes,
                "expected %s, got %s: %s" % ("/".join(c.name for c in codes), error.code().name, error.details()),
            )
            self.assertTrue(error.details(), "a %s without a message" % error.code().name)
            return error
        self.fail("expected %s, got OK: %r" % ("/".join(c.name for c in codes), response))

    def push(self, session_id, payload_id, content, **kwargs):
        return self.stub.PushPayload(
            pb.PushPayloadRequest(session_id=session_id, payload_id=payload_id, content=content, **kwargs),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )

    def stream(self, header, chunks, metadata=AUTH):
        def requests():
            yield pb.PushPayloadStreamRequest(header=header)
            for chunk in chunks:
                yield pb.PushPayloadStreamRequest(chunk=chunk)

        return self.stub.PushPayloadStream(requests(), metadata=metadata, timeout=STREAM_TIMEOUT)


def split(data, size):
    return [data[i : i + size] for i in range(0, len(data), size)]


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


class IngestTest(GatewayTestCase):
    def test_01_initialize_and_push_payloads(self):
        sid = self.new_session(
            extra_metadata=(("accept-language", "de-CH,de;q=0.9"),),
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
        log("session " + sid)
        contents = {n: payload_content(n) for n in (1, 2, 3)}
        last = None
        for n, content in contents.items():
            response = self.push(sid, n, content, has_session_unloaded=(n == 3))
            self.assertEqual(response.payload_id, n)
            self.assertGreaterEqual(response.partition, 0)
            self.assertGreaterEqual(response.offset, 0)
            if last is not None:
                # Same session, same key, same partition; acknowledged in order.
                self.assertEqual(response.partition, last.partition)
                self.assertGreater(response.offset, last.offset)
            last = response
        log("3 payloads acknowledged, last at partition %d offset %d" % (last.partition, last.offset))

        # A retry of an acknowledged payload (same payload_id) is OK and stores nothing new.
        retry = self.push(sid, 3, contents[3], has_session_unloaded=True)
        self.assertEqual(retry.payload_id, 3)

        expected = {n: (1, hashlib.sha256(c.SerializeToString()).hexdigest()) for n, c in contents.items()}
        wait_processed(retry.partition, retry.offset)
        wait_stored(self, sid, expected)

        def sessions_row():
            rows = psql(
                "SELECT project_id, payload_count, last_payload_id, has_unloaded, client_version, environment, "
                "enable_strict_privacy, peer_ip, user_agent, accept_language "
                "FROM sessions WHERE session_id = :'sid';",
                sid=sid,
            )
            return bool(rows) and rows[0][1] == "3" and rows[0][4] != "", rows

        row = wait_for("sessions row of %s with payload_count 3 and its init" % sid, sessions_row)[0]
        self.assertEqual(
            row[1:8],
            ["3", "3", "t", "python-client-test", "test", "t", "127.0.0.1"],
            "sessions (payload_count, last_payload_id, has_unloaded, client_version, environment, "
            "enable_strict_privacy, peer_ip)",
        )
        self.assertTrue(row[8].startswith("grpc-python/"), "sessions.user_agent: %r" % row[8])
        self.assertEqual(row[9], "de-CH,de;q=0.9", "sessions.accept_language")
        self.assertEqual(row[0], PROJECT_ID)
        log("PostgreSQL: 3 payloads byte-identical (sha256); sessions row: payload_count 3, init fields, "
            "peer ip, user agent %r, accept-language" % row[8])

    def test_02_initialize_without_project_id(self):
        response = self.stub.InitializeSession(
            pb.InitializeSessionRequest(client_version="python-client-test"), metadata=AUTH, timeout=CALL_TIMEOUT
        )
        self.assertTrue(response.session_id)
        self.assertEqual(self.push(response.session_id, 1, payload_content(1)).payload_id, 1)

    def test_03_initialize_for_another_project(self):
        error = self.assert_code(
            (C.PERMISSION_DENIED, C.INVALID_ARGUMENT),
            self.stub.InitializeSession,
            pb.InitializeSessionRequest(project_id="some-other-project"),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        log("project_id of another project -> %s: %s" % (error.code().name, error.details()))

    def test_04_push_payload_stream(self):
        sid = self.new_session()
        # A PayloadContent whose serialization is exactly STREAM_BYTES long
        # (1 tag byte and a varint length before the events).
        overhead = len(pb.PayloadContent(events=bytes(STREAM_BYTES)).SerializeToString()) - STREAM_BYTES
        events_len = STREAM_BYTES - overhead
        content = pb.PayloadContent(events=os.urandom(events_len)).SerializeToString()
        self.assertEqual(len(content), STREAM_BYTES)
        digest = hashlib.sha256(content).digest()
        expected_chunks = math.ceil(len(content) / GATEWAY_CHUNK_BYTES)
        started = time.monotonic()
        response = self.stream(
            pb.PayloadStreamHeader(session_id=sid, payload_id=1, total_bytes=len(content), sha256=digest),
            split(content, CLIENT_CHUNK_BYTES),
        )
        elapsed = time.monotonic() - started
        self.assertEqual(response.payload_id, 1)
        self.assertEqual(response.total_bytes, len(content))
        self.assertEqual(response.sha256.hex(), digest.hex())
        self.assertEqual(response.chunk_count, expected_chunks)
        self.assertGreaterEqual(response.partition, 0)
        self.assertGreaterEqual(response.first_offset, 0)
        self.assertGreaterEqual(response.last_offset - response.first_offset, expected_chunks - 1)
        log(
            "stream: %d bytes in %d x 64 KiB messages -> %d chunk records, offsets %d..%d, %.2fs"
            % (len(content), len(split(content, CLIENT_CHUNK_BYTES)), response.chunk_count,
               response.first_offset, response.last_offset, elapsed)
        )

        # A small unary payload after it, in the same session.
        small = payload_content(2)
        self.assertEqual(self.push(sid, 2, small).payload_id, 2)

        wait_stored(
            self,
            sid,
            {
                1: (expected_chunks, digest.hex()),
                2: (1, hashlib.sha256(small.SerializeToString()).hexdigest()),
            },
        )
        log("PostgreSQL: streamed payload stored as %d chunk rows, byte-identical (sha256)" % expected_chunks)

    def test_05_stream_without_optional_sha256(self):
        sid = self.new_session()
        content = payload_content(1, size=300_000).SerializeToString()
        response = self.stream(
            pb.PayloadStreamHeader(session_id=sid, payload_id=1, total_bytes=len(content)),
            split(content, 50_000),
        )
        self.assertEqual(response.sha256, hashlib.sha256(content).digest())
        self.assertEqual(response.total_bytes, len(content))
        chunks = math.ceil(len(content) / GATEWAY_CHUNK_BYTES)
        self.assertEqual(response.chunk_count, chunks)
        wait_stored(self, sid, {1: (chunks, hashlib.sha256(content).hexdigest())})

    def test_06_stream_rejections(self):
        sid = self.new_session()
        content = payload_content(1, size=100_000).SerializeToString()
        header = dict(session_id=sid, total_bytes=len(content))
        error = self.assert_code(
            (C.INVALID_ARGUMENT, C.DATA_LOSS),
            self.stream,
            pb.PayloadStreamHeader(payload_id=1, sha256=b"\0" * 32, **header),
            split(content, CLIENT_CHUNK_BYTES),
        )
        log("wrong sha256 -> %s: %s" % (error.code().name, error.details()))
        self.assert_code(
            C.INVALID_ARGUMENT,
            self.stream,
            pb.PayloadStreamHeader(payload_id=2, **header),
            split(content[:-10], CLIENT_CHUNK_BYTES),  # fewer bytes than total_bytes
        )
        self.assert_code(
            C.INVALID_ARGUMENT,
            self.stream,
            pb.PayloadStreamHeader(payload_id=3, **header),
            split(content + b"extra", CLIENT_CHUNK_BYTES),  # more bytes than total_bytes
        )
        self.assert_code(
            C.INVALID_ARGUMENT,
            self.stream,
            pb.PayloadStreamHeader(payload_id=0, **header),
            split(content, CLIENT_CHUNK_BYTES),
        )
        # A chunk before any header.
        self.assert_code(
            C.INVALID_ARGUMENT,
            self.stub.PushPayloadStream,
            iter([pb.PushPayloadStreamRequest(chunk=b"x")]),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        self.assert_code(
            C.UNAUTHENTICATED,
            self.stream,
            pb.PayloadStreamHeader(payload_id=4, **header),
            split(content, CLIENT_CHUNK_BYTES),
            metadata=(),
        )

    def test_06b_stream_resent_after_a_digest_mismatch(self):
        # The client's bytes were corrupted on the way (the digest in the
        # header is of the right ones): the gateway refuses the call, the
        # client resends the payload with the same payload_id, and what is
        # stored must be the resent bytes, not chunks left by the first try.
        sid = self.new_session()
        size = GATEWAY_CHUNK_BYTES * 5 // 2  # 3 chunk records, fits the mock cluster
        overhead = len(pb.PayloadContent(events=bytes(size)).SerializeToString()) - size
        good = pb.PayloadContent(events=os.urandom(size - overhead)).SerializeToString()
        bad = bytes(len(good) - 1) + good[-1:]  # every chunk but the last differs
        header = pb.PayloadStreamHeader(
            session_id=sid, payload_id=1, total_bytes=len(good), sha256=hashlib.sha256(good).digest()
        )
        error = self.assert_code(
            (C.INVALID_ARGUMENT, C.DATA_LOSS), self.stream, header, split(bad, CLIENT_CHUNK_BYTES)
        )
        log("corrupted stream -> %s: %s" % (error.code().name, error.details()))
        response = self.stream(header, split(good, CLIENT_CHUNK_BYTES))
        self.assertEqual(response.sha256, hashlib.sha256(good).digest())
        wait_processed(response.partition, response.last_offset)
        wait_stored(self, sid, {1: (response.chunk_count, hashlib.sha256(good).hexdigest())})
        log("resent stream stored byte-identical (%d chunk rows)" % response.chunk_count)

    def test_07_session_rpcs(self):
        sid = self.new_session()
        ok = []
        r = self.stub.IdentifySession(
            pb.IdentifySessionRequest(
                session_id=sid, user_identifier="ada@example.test", user_object={"plan": "pro", "id": "42"}
            ),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        self.assertGreaterEqual(r.position.partition, 0)
        ok.append("IdentifySession")
        r = self.stub.AddSessionProperties(
            pb.AddSessionPropertiesRequest(session_id=sid, properties={"page": "/checkout", "ab": "B"}),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        self.assertGreaterEqual(r.position.partition, 0)
        ok.append("AddSessionProperties")
        r = self.stub.AddSessionFeedback(
            pb.AddSessionFeedbackRequest(
                session_id=sid, verbatim="the button does nothing", user_name="Ada", user_email="ada@example.test"
            ),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        self.assertGreaterEqual(r.position.partition, 0)
        ok.append("AddSessionFeedback")
        now_ms = int(time.time() * 1000)
        marker = uuid.uuid4().hex[:12]  # finds the session-less rows
        r = self.stub.PushBackendErrors(
            pb.PushBackendErrorsRequest(
                errors=[
                    pb.BackendError(session_id=sid, event="boom", type="ValueError", timestamp_ms=now_ms,
                                    stack_trace="Traceback ...", service_name="api"),
                    pb.BackendError(event="no session " + marker, type="KeyError", timestamp_ms=now_ms, service_name="api"),
                ]
            ),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        self.assertEqual(r.records, 2, "one record for the session's errors, one for the project's")
        ok.append("PushBackendErrors")
        r = self.stub.PushMetrics(
            pb.PushMetricsRequest(
                metrics=[
                    pb.Metric(session_id=sid, name="LCP", value=1234.5, category="WebVital", timestamp_ms=now_ms),
                    pb.Metric(name="queue_depth_" + marker, value=7, tags={"region": "eu"}, timestamp_ms=now_ms),
                ]
            ),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )
        self.assertEqual(r.records, 2, "one record for the session's metrics, one for the project's")
        ok.append("PushMetrics")
        log("OK: " + ", ".join(ok))

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
            have = wait_for(
                "%s rows of session %s" % (table, sid),
                # Rows appear before later tasks of the session update them:
                # wait for the expected content, not just for a row.
                lambda: (lambda rows: (rows == want, rows))(psql(sql, sid=sid, marker=marker)),
            )
            self.assertEqual(have, want, "PostgreSQL %s" % table)
        log("PostgreSQL: identity, properties, feedback, 2 backend errors, 2 metrics stored")

    def test_08_unauthenticated(self):
        sid = self.new_session()
        for name, metadata in (
            ("no metadata", ()),
            ("unknown key", (("authorization", "Bearer sk_not_a_key_of_this_gateway"),)),
            ("not a bearer token", (("authorization", "Basic " + API_KEY),)),
            ("bearer without a key", (("authorization", "Bearer"),)),
        ):
            with self.subTest(name):
                self.assert_code(
                    C.UNAUTHENTICATED,
                    self.stub.InitializeSession,
                    pb.InitializeSessionRequest(),
                    metadata=metadata,
                    timeout=CALL_TIMEOUT,
                )
                self.assert_code(
                    C.UNAUTHENTICATED,
                    self.stub.PushPayload,
                    pb.PushPayloadRequest(session_id=sid, payload_id=1, content=payload_content(1)),
                    metadata=metadata,
                    timeout=CALL_TIMEOUT,
                )
                self.assert_code(
                    C.UNAUTHENTICATED,
                    self.stub.PushMetrics,
                    pb.PushMetricsRequest(metrics=[pb.Metric(name="x", value=1)]),
                    metadata=metadata,
                    timeout=CALL_TIMEOUT,
                )

    def test_09_forged_session_ids(self):
        sid = self.new_session()
        for name, forged in forged_ids(sid).items():
            with self.subTest(name):
                error = self.assert_code(
                    (C.PERMISSION_DENIED, C.INVALID_ARGUMENT),
                    self.push,
                    forged,
                    1,
                    payload_content(1),
                )
                log("forged id (%s) %s -> %s" % (name, forged, error.code().name))
                self.assert_code(
                    (C.PERMISSION_DENIED, C.INVALID_ARGUMENT),
                    self.stub.IdentifySession,
                    pb.IdentifySessionRequest(session_id=forged, user_identifier="mallory"),
                    metadata=AUTH,
                    timeout=CALL_TIMEOUT,
                )
                self.assert_code(
                    (C.PERMISSION_DENIED, C.INVALID_ARGUMENT),
                    self.stream,
                    pb.PayloadStreamHeader(session_id=forged, payload_id=1, total_bytes=3),
                    [b"abc"],
                )
        # Nothing of a forged id reached PostgreSQL (by the time the real
        # session's init is there).
        wait_for(
            "sessions row of " + sid,
            lambda: (lambda rows: (bool(rows), rows))(psql("SELECT 1 FROM sessions WHERE session_id = :'sid';", sid=sid)),
        )
        for forged in forged_ids(sid).values():
            self.assertEqual(
                psql(
                    "SELECT (SELECT count(*) FROM session_payloads WHERE session_id = :'sid') + "
                    "(SELECT count(*) FROM sessions WHERE session_id = :'sid');",
                    sid=forged,
                ),
                [["0"]],
                "rows of forged session id " + forged,
            )

    def test_10_invalid_arguments(self):
        sid = self.new_session()
        content = payload_content(1)
        for name, session_id, payload_id in (
            ("empty session id", "", 1),
            ("malformed session id", "not-a-session-id", 1),
            ("payload_id 0", sid, 0),
        ):
            with self.subTest(name):
                self.assert_code(C.INVALID_ARGUMENT, self.push, session_id, payload_id, content)
        self.assert_code(
            C.INVALID_ARGUMENT,
            self.stub.IdentifySession,
            pb.IdentifySessionRequest(session_id="", user_identifier="x"),
            metadata=AUTH,
            timeout=CALL_TIMEOUT,
        )


if __name__ == "__main__":
    unittest.main()
