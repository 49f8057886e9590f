"""An in-process ingest.v1.Ingest server for the SDK's unit tests.

Each RPC answers from a script: a list of Reply (status, message, trailing
metadata, optional delay) consumed one per call, then OK. Every call is
recorded with its request (a stream: header and chunks) and metadata.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import itertools
import threading
import time
from concurrent import futures
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import grpc

from session_ingest import pb, pb_grpc


@dataclasses.dataclass
class Reply:
    code: grpc.StatusCode = grpc.StatusCode.OK
    details: str = ""
    trailing: Sequence[Tuple[str, str]] = ()
    delay: float = 0.0  # seconds before answering (after reading a stream)


OK = Reply()


@dataclasses.dataclass
class Call:
    rpc: str
    request: object  # the request message; a stream's header
    metadata: Dict[str, str]
    chunks: List[bytes] = dataclasses.field(default_factory=list)
    code: grpc.StatusCode = grpc.StatusCode.OK

    @property
    def content(self) -> bytes:
        """A stream's content, reassembled."""
        return b"".join(self.chunks)

    def wire(self) -> bytes:
        """The request's bytes (protobuf's serialization is canonical for
        these messages, so equal bytes on the wire give equal bytes here)."""
        return self.request.SerializeToString()  # type: ignore[attr-defined]


class FakeGateway(pb_grpc.IngestServicer):
    def __init__(self, workers: int = 16,
                 credentials: Optional[grpc.ServerCredentials] = None) -> None:
        self._lock = threading.Lock()
        self._scripts: Dict[str, Deque[Reply]] = collections.defaultdict(collections.deque)
        self.calls: List[Call] = []
        self._offsets = itertools.count()
        self._sessions = itertools.count(1)
        self.in_flight_bytes = 0
        self.peak_in_flight_bytes = 0
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers),
            options=[("grpc.max_receive_message_length", -1)],
        )
        pb_grpc.add_IngestServicer_to_server(self, self.server)
        self.port = (self.server.add_secure_port("127.0.0.1:0", credentials) if credentials
                     else self.server.add_insecure_port("127.0.0.1:0"))
        self.target = "127.0.0.1:%d" % self.port
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None)

    def script(self, rpc: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[rpc].extend(replies)

    def calls_of(self, rpc: str) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.rpc == rpc]

    # -- plumbing ------------------------------------------------------

    def _answer(self, rpc: str, request: object, context: grpc.ServicerContext, chunks: Optional[List[bytes]] = None,
                size: int = 0) -> None:
        """Records the call, then aborts the RPC if its script says so."""
        metadata = {k: v for k, v in context.invocation_metadata()}
        with self._lock:
            reply = self._scripts[rpc].popleft() if self._scripts[rpc] else OK
            call = Call(rpc, request, metadata, chunks or [], reply.code)
            self.calls.append(call)
            self.in_flight_bytes += size
            self.peak_in_flight_bytes = max(self.peak_in_flight_bytes, self.in_flight_bytes)
        try:
            if reply.delay:
                time.sleep(reply.delay)
        finally:
            with self._lock:
                self.in_flight_bytes -= size
        if reply.trailing:
            context.set_trailing_metadata(tuple(reply.trailing))
        if reply.code != grpc.StatusCode.OK:
            context.abort(reply.code, reply.details)

    def _position(self) -> pb.RecordPosition:
        return pb.RecordPosition(partition=0, offset=next(self._offsets))

    # -- the RPCs ------------------------------------------------------

    def InitializeSession(self, request, context):
        self._answer("InitializeSession", request, context)
        return pb.InitializeSessionResponse(session_id="proj.session-%d" % next(self._sessions))

    def PushPayload(self, request, context):
        self._answer("PushPayload", request, context, size=request.content.ByteSize())
        return pb.PushPayloadResponse(payload_id=request.payload_id, partition=0, offset=next(self._offsets))

    def PushPayloadStream(self, request_iterator, context):
        header = None
        chunks: List[bytes] = []
        for message in request_iterator:
            if message.WhichOneof("message") == "header":
                header = message.header
            else:
                chunks.append(message.chunk)
        self._answer("PushPayloadStream", header, context, chunks, size=sum(map(len, chunks)))
        content = b"".join(chunks)
        first = next(self._offsets)
        return pb.PushPayloadStreamResponse(
            payload_id=header.payload_id,
            chunk_count=max(1, len(chunks)),
            total_bytes=len(content),
            sha256=hashlib.sha256(content).digest(),
            partition=0,
            first_offset=first,
            last_offset=first + 1,
        )

    def IdentifySession(self, request, context):
        self._answer("IdentifySession", request, context)
        return pb.IdentifySessionResponse(position=self._position())

    def AddSessionProperties(self, request, context):
        self._answer("AddSessionProperties", request, context)
        return pb.AddSessionPropertiesResponse(position=self._position())

    def AddSessionFeedback(self, request, context):
        self._answer("AddSessionFeedback", request, context)
        return pb.AddSessionFeedbackResponse(position=self._position())

    def PushBackendErrors(self, request, context):
        self._answer("PushBackendErrors", request, context)
        return pb.PushBackendErrorsResponse(records=len({e.session_id for e in request.errors}))

    def PushMetrics(self, request, context):
        self._answer("PushMetrics", request, context)
        return pb.PushMetricsResponse(records=len({m.session_id for m in request.metrics}))
