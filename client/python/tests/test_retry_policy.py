"""RetryPolicy and classify(): RETRY.md's table and backoff, without a server."""

from __future__ import annotations

import random

import grpc
import pytest

from session_ingest import RETRYABLE_CODES, RetryPolicy
from session_ingest.retry import Verdict, classify, retry_after_seconds

C = grpc.StatusCode


def test_defaults_are_the_contracts():
    policy = RetryPolicy()
    assert policy.initial_backoff == 0.1
    assert policy.max_backoff == 10.0
    assert policy.max_attempts is None
    assert policy.total_timeout == 300.0
    assert RETRYABLE_CODES == {C.UNAVAILABLE, C.RESOURCE_EXHAUSTED, C.DEADLINE_EXCEEDED, C.ABORTED, C.CANCELLED}


def test_full_jitter_backoff_is_capped_exponential():
    policy = RetryPolicy()
    assert [policy.backoff_ceiling(n) for n in (1, 2, 3, 4, 7, 8, 100, 10_000)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 6.4, 10.0, 10.0, 10.0]
    )
    rng = random.Random(1)
    for attempt in (1, 3, 9):
        waits = [policy.backoff(attempt, rng) for _ in range(2000)]
        ceiling = policy.backoff_ceiling(attempt)
        assert all(0 <= w <= ceiling for w in waits)
        # Full jitter: spread over the whole range, not clustered at the top.
        assert min(waits) < 0.05 * ceiling and max(waits) > 0.95 * ceiling


@pytest.mark.parametrize(
    "code,retry_after,unary_payload,verdict",
    [
        (C.UNAVAILABLE, None, False, Verdict.RETRY),
        (C.DEADLINE_EXCEEDED, None, False, Verdict.RETRY),
        (C.ABORTED, None, False, Verdict.RETRY),
        (C.RESOURCE_EXHAUSTED, 1.5, False, Verdict.RETRY),
        (C.RESOURCE_EXHAUSTED, 1.5, True, Verdict.RETRY),
        (C.RESOURCE_EXHAUSTED, None, True, Verdict.STREAM),
        (C.RESOURCE_EXHAUSTED, None, False, Verdict.FINAL),
        (C.CANCELLED, None, False, Verdict.RETRY),
        (C.INVALID_ARGUMENT, None, True, Verdict.FINAL),
        (C.UNAUTHENTICATED, None, False, Verdict.FINAL),
        (C.PERMISSION_DENIED, None, False, Verdict.FINAL),
        (C.INTERNAL, None, False, Verdict.FINAL),
        (C.UNKNOWN, None, False, Verdict.FINAL),
        (C.UNIMPLEMENTED, None, False, Verdict.FINAL),
        (C.NOT_FOUND, None, False, Verdict.FINAL),
        (C.DATA_LOSS, None, False, Verdict.FINAL),
    ],
)
def test_classify_follows_retry_md(code, retry_after, unary_payload, verdict):
    assert classify(code, retry_after, RetryPolicy(), unary_payload=unary_payload) is verdict


def test_retry_after_reads_both_headers_in_milliseconds():
    assert retry_after_seconds(None) is None
    assert retry_after_seconds([("x", "1")]) is None
    assert retry_after_seconds([("retry-after-ms", "1500")]) == 1.5
    assert retry_after_seconds([("grpc-retry-pushback-ms", "250")]) == 0.25
    assert retry_after_seconds([("retry-after-ms", "100"), ("grpc-retry-pushback-ms", "300")]) == 0.3
    assert retry_after_seconds([("retry-after-ms", "soon"), ("retry-after-ms", "-5")]) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(max_attempts=0),
        dict(total_timeout=0),
        dict(initial_backoff=0),
        dict(initial_backoff=2, max_backoff=1),
        dict(retryable_codes=frozenset({C.UNAVAILABLE, C.INVALID_ARGUMENT})),
        dict(retryable_codes=frozenset({C.UNAUTHENTICATED})),
    ],
)
def test_invalid_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)
