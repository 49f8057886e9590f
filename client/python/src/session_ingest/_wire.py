"""Request bytes, built once per payload so that every attempt sends the same.

A payload's content is the serialized PayloadContent the caller gave (or
serialized once from a message). The unary request and the stream messages
are assembled around those bytes by hand (protobuf's wire format for a
length-delimited field: tag, varint length, bytes), so a retry never
re-serializes anything and a large payload is never copied into a message.
"""

from __future__ import annotations

from typing import Iterator

from ._proto.ingest.v1 import ingest_pb2 as pb

# Tags of length-delimited fields (field_number << 3 | 2).
_PUSH_PAYLOAD_CONTENT_TAG = b"\x22"  # PushPayloadRequest.content = 4
_STREAM_CHUNK_TAG = b"\x12"  # PushPayloadStreamRequest.chunk = 2


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def push_payload_request(
    session_id: str,
    payload_id: int,
    content_encoding: int,
    content: bytes,
    is_beacon: bool,
    has_session_unloaded: bool,
) -> bytes:
    """The serialized PushPayloadRequest, fields in number order (as protobuf
    writes them): 1-3, content (4), 5-6."""
    head = pb.PushPayloadRequest(
        session_id=session_id, payload_id=payload_id, content_encoding=content_encoding  # type: ignore[arg-type]
    ).SerializeToString()
    tail = pb.PushPayloadRequest(is_beacon=is_beacon, has_session_unloaded=has_session_unloaded).SerializeToString()
    return b"".join((head, _PUSH_PAYLOAD_CONTENT_TAG, varint(len(content)), content, tail))


def stream_header(
    session_id: str,
    payload_id: int,
    content_encoding: int,
    total_bytes: int,
    sha256: bytes,
    is_beacon: bool,
    has_session_unloaded: bool,
) -> bytes:
    return bytes(pb.PushPayloadStreamRequest(
        header=pb.PayloadStreamHeader(
            session_id=session_id,
            payload_id=payload_id,
            content_encoding=content_encoding,  # type: ignore[arg-type]
            total_bytes=total_bytes,
            sha256=sha256,
            is_beacon=is_beacon,
            has_session_unloaded=has_session_unloaded,
        )
    ).SerializeToString())


def stream_messages(header: bytes, content: bytes, chunk_bytes: int) -> Iterator[bytes]:
    """The serialized PushPayloadStreamRequests of one attempt: the header,
    then `content` in chunk messages of `chunk_bytes`. A new iterator per
    attempt yields the same bytes; one chunk message is built at a time."""
    yield header
    view = memoryview(content)
    for start in range(0, len(content), chunk_bytes):
        piece = view[start : start + chunk_bytes]
        yield b"".join((_STREAM_CHUNK_TAG, varint(len(piece)), piece))
