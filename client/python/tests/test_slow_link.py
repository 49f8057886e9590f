"""The SDK behind a slow link (slow_link.SlowLink holds the fake gateway's
first bytes on each connection for 0.5 s, as a distant gateway or a busy
machine does): a call with a single attempt still gets through, in plaintext
and over TLS. gRPC takes grpc.min_reconnect_backoff_ms as the connect timeout
(TCP + TLS + the first HTTP/2 SETTINGS); the SDK once set it to 100 ms, and
every connection through such a link failed. Client(connect_timeout=) is
that timeout."""

from __future__ import annotations

import pathlib
import subprocess
import time

import grpc
import pytest

import session_ingest
from conftest import API_KEY
from fake_gateway import FakeGateway
from slow_link import SlowLink

ROOT = pathlib.Path(__file__).resolve().parents[3]
DELAY = 0.5


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> pathlib.Path:
    directory = tmp_path_factory.mktemp("pki")
    subprocess.run(["bash", str(ROOT / "deploy/local/make_pki.sh"), str(directory)], check=True)
    return directory


def _start_session_through_a_slow_link(gateway: FakeGateway, **client_options) -> float:
    link = SlowLink(gateway.port, DELAY)
    try:
        with session_ingest.Client(link.target, API_KEY, call_timeout=10.0,
                                   retry=session_ingest.RetryPolicy(max_attempts=1),
                                   **client_options) as client:
            start = time.monotonic()
            assert client.start_session().id
            took = time.monotonic() - start
        assert link.connections >= 1
        return took
    finally:
        link.stop()


def test_a_plaintext_session_starts_in_one_attempt(gateway):
    assert _start_session_through_a_slow_link(gateway) >= DELAY


def test_a_tls_session_starts_in_one_attempt(pki):
    credentials = grpc.ssl_server_credentials(
        [((pki / "server.key").read_bytes(), (pki / "server.crt").read_bytes())])
    gateway = FakeGateway(credentials=credentials)
    try:
        assert _start_session_through_a_slow_link(gateway, tls_ca_file=str(pki / "ca.crt")) >= DELAY
    finally:
        gateway.stop()


def test_a_connect_timeout_shorter_than_the_handshake_fails_the_attempt(gateway):
    with pytest.raises(session_ingest.IngestError) as failed:
        _start_session_through_a_slow_link(gateway, connect_timeout=0.2)
    assert failed.value.code == grpc.StatusCode.UNAVAILABLE
    assert "timed out before receiving SETTINGS frame" in str(failed.value)
    assert not gateway.calls_of("InitializeSession")


def test_a_connect_timeout_below_grpcs_floor_is_refused():
    with pytest.raises(ValueError, match="connect_timeout is 0.05 s: give at least 0.1"):
        session_ingest.Client("127.0.0.1:1", API_KEY, connect_timeout=0.05)
    with session_ingest.Client("127.0.0.1:1", API_KEY, connect_timeout=0.1):
        pass
