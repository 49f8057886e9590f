"""The retry contract of ingest.v1.Ingest (proto/ingest/v1/RETRY.md), as data.

RetryPolicy says how long and how often to retry; classify() says what an
answer means: retry it, send the payload as a stream instead, or give it to
the caller.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from typing import FrozenSet, Iterable, Optional, Tuple

import grpc

__all__ = ["RetryPolicy", "Verdict", "classify", "retry_after_seconds", "RETRYABLE_CODES"]

C = grpc.StatusCode

# Retried statuses (RETRY.md, "Retried, and final"). RESOURCE_EXHAUSTED is
# retried only when the answer carries retry-after-ms / grpc-retry-pushback-ms;
# CANCELLED only when the client did not cancel the call itself (a gateway
# stopping cancels calls it never handled; the client checks it is not
# closing before retrying).
RETRYABLE_CODES: FrozenSet[grpc.StatusCode] = frozenset(
    {C.UNAVAILABLE, C.RESOURCE_EXHAUSTED, C.DEADLINE_EXCEEDED, C.ABORTED, C.CANCELLED}
)

RETRY_AFTER_KEYS = ("retry-after-ms", "grpc-retry-pushback-ms")


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How a call is retried.

    Attempt n (from 1) that gets a retried status waits a random time in
    [0, min(max_backoff, initial_backoff * 2**(n-1))] (full jitter), and at
    least the answer's retry-after, before attempt n+1. The call gives up
    with RetryExhaustedError after ``max_attempts`` attempts (None: no limit)
    or when the next wait would end past ``total_timeout`` seconds from the
    call's start (None: no limit). Defaults are RETRY.md's: 0.1 s, 10 s, no
    attempt limit, 300 s.
    """

    max_attempts: Optional[int] = None
    total_timeout: Optional[float] = 300.0
    initial_backoff: float = 0.1
    max_backoff: float = 10.0
    retryable_codes: FrozenSet[grpc.StatusCode] = RETRYABLE_CODES

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1 (or None for no limit)")
        if self.total_timeout is not None and self.total_timeout <= 0:
            raise ValueError("RetryPolicy.total_timeout must be positive seconds (or None for no limit)")
        if self.initial_backoff <= 0 or self.max_backoff < self.initial_backoff:
            raise ValueError("RetryPolicy needs 0 < initial_backoff <= max_backoff")
        final = {C.INVALID_ARGUMENT, C.UNAUTHENTICATED, C.PERMISSION_DENIED, C.OK}
        if final & set(self.retryable_codes):
            raise ValueError(
                "RetryPolicy.retryable_codes must not contain final statuses (%s): RETRY.md forbids retrying them"
                % ", ".join(sorted(c.name for c in final & set(self.retryable_codes)))
            )
        object.__setattr__(self, "retryable_codes", frozenset(self.retryable_codes))

    @classmethod
    def no_retries(cls) -> "RetryPolicy":
        """One attempt per call: every status goes to the caller."""
        return cls(max_attempts=1, total_timeout=None)

    def backoff_ceiling(self, attempt: int) -> float:
        """The longest jittered wait after attempt `attempt` (1-based)."""
        exponent = min(max(attempt - 1, 0), 64)
        return min(self.max_backoff, self.initial_backoff * (2.0**exponent))

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """A full-jitter wait after attempt `attempt`: uniform in [0, ceiling]."""
        return rng.uniform(0.0, self.backoff_ceiling(attempt))


class Verdict(enum.Enum):
    RETRY = "retry"  # wait, then the same request again
    STREAM = "stream"  # a unary payload refused as too large: send it with PushPayloadStream
    FINAL = "final"  # give the status to the caller


def classify(
    code: grpc.StatusCode,
    retry_after: Optional[float],
    policy: RetryPolicy,
    *,
    unary_payload: bool = False,
) -> Verdict:
    """What to do with a non-OK answer (RETRY.md's table)."""
    if code == C.RESOURCE_EXHAUSTED and retry_after is None:
        # A transport or proxy refused the message as too large.
        return Verdict.STREAM if unary_payload else Verdict.FINAL
    if code in policy.retryable_codes:
        return Verdict.RETRY
    return Verdict.FINAL


def retry_after_seconds(trailing_metadata: Optional[Iterable[Tuple[str, object]]]) -> Optional[float]:
    """The longest of retry-after-ms and grpc-retry-pushback-ms, in seconds;
    None when neither is present (or parses as a non-negative integer)."""
    best: Optional[float] = None
    for key, value in trailing_metadata or ():
        if key.lower() not in RETRY_AFTER_KEYS:
            continue
        try:
            ms = int(value.decode() if isinstance(value, bytes) else str(value))
        except ValueError:
            continue
        if ms < 0:
            continue
        best = max(best or 0.0, ms / 1000.0)
    return best
