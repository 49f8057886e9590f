"""Fixtures of the SDK's unit tests: a fake gateway on 127.0.0.1:0 and a fake
clock whose sleep only records the wait and moves the clock (no test sleeps
for a backoff)."""

from __future__ import annotations

import os
import random
import socket
import sys
import threading
from typing import Callable, Iterator, List

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import session_ingest  # noqa: E402
from fake_gateway import FakeGateway  # noqa: E402

API_KEY = "sk_test_key"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: List[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    yield fake
    fake.stop()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(gateway: FakeGateway, fake_time: FakeTime) -> Iterator[Callable[..., session_ingest.Client]]:
    clients: List[session_ingest.Client] = []

    def make(**kwargs) -> session_ingest.Client:
        kwargs.setdefault("targets", gateway.target)
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("sleep", fake_time.sleep)
        kwargs.setdefault("clock", fake_time.clock)
        kwargs.setdefault("rng", random.Random(7))
        kwargs.setdefault("call_timeout", 10.0)
        client = session_ingest.Client(**kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close(wait=False)


def closed_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
