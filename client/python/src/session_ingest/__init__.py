"""Python SDK of the session-ingest gateway (ingest.v1.Ingest).

    with session_ingest.Client("localhost:50051", api_key) as client:
        session = client.start_session(environment="prod")
        session.push({"events": b'[{"type":4,"data":{}}]'})

The retry contract it implements: proto/ingest/v1/RETRY.md. ``pb`` and
``pb_grpc`` are the generated modules (built from proto/ at install time).
"""

from ._proto.ingest.v1 import ingest_pb2 as pb
from ._proto.ingest.v1 import ingest_pb2_grpc as pb_grpc
from ._version import __version__
from .client import Attempt, Client, Content, Position, PushResult, Session
from .errors import (
    AuthenticationError,
    BufferFullError,
    CallCancelledError,
    ClientClosedError,
    IngestError,
    InvalidRequestError,
    PermissionDeniedError,
    RetryExhaustedError,
)
from .retry import RETRYABLE_CODES, RetryPolicy

PayloadContent = pb.PayloadContent
BackendError = pb.BackendError
Metric = pb.Metric
ContentEncoding = pb.ContentEncoding

__all__ = [
    "__version__",
    "Attempt",
    "AuthenticationError",
    "BackendError",
    "BufferFullError",
    "CallCancelledError",
    "Client",
    "ClientClosedError",
    "Content",
    "ContentEncoding",
    "IngestError",
    "InvalidRequestError",
    "Metric",
    "PayloadContent",
    "PermissionDeniedError",
    "Position",
    "PushResult",
    "RETRYABLE_CODES",
    "RetryExhaustedError",
    "RetryPolicy",
    "Session",
    "pb",
    "pb_grpc",
]
