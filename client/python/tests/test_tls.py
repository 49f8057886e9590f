"""The SDK over TLS (tls_ca_file, ...), against a fake gateway serving
certificates made by deploy/local/make_pki.sh: the gateway's CA is trusted,
another CA is refused, unusable options say what to fix."""

from __future__ import annotations

import pathlib
import subprocess

import grpc
import pytest

import session_ingest
from conftest import API_KEY
from fake_gateway import FakeGateway

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> pathlib.Path:
    directory = tmp_path_factory.mktemp("pki")
    subprocess.run(["bash", str(ROOT / "deploy/local/make_pki.sh"), str(directory)], check=True)
    return directory


@pytest.fixture
def tls_gateway(pki):
    credentials = grpc.ssl_server_credentials(
        [((pki / "server.key").read_bytes(), (pki / "server.crt").read_bytes())])
    fake = FakeGateway(credentials=credentials)
    yield fake
    fake.stop()


def test_trusts_the_gateways_ca(tls_gateway, pki):
    with session_ingest.Client(tls_gateway.target, API_KEY, tls_ca_file=str(pki / "ca.crt")) as client:
        assert client.start_session().id


def test_refuses_a_gateway_of_another_ca(tls_gateway, pki):
    policy = session_ingest.RetryPolicy(max_attempts=1)
    with session_ingest.Client(tls_gateway.target, API_KEY, retry=policy,
                               tls_ca_file=str(pki / "other-ca.crt")) as client:
        with pytest.raises(session_ingest.IngestError) as refused:
            client.start_session()
    assert refused.value.code == grpc.StatusCode.UNAVAILABLE


def test_unusable_tls_options_say_what_to_fix(pki):
    with pytest.raises(ValueError, match="none.crt"):
        session_ingest.Client("127.0.0.1:1", API_KEY, tls_ca_file=str(pki / "none.crt"))
    with pytest.raises(ValueError, match="go together"):
        session_ingest.Client("127.0.0.1:1", API_KEY, tls_ca_file=str(pki / "ca.crt"),
                              tls_cert_file=str(pki / "client.crt"))
