#pragma once

// EncodedPayload: one payload serialized once, the bytes every attempt sends.
//
// The content (a PayloadContent) is serialized when the payload is pushed
// and never again: a unary PushPayload request is built from a few header
// bytes plus a reference to that string (no copy), and a stream sends the
// same string in chunks after a header carrying its size and SHA-256. So a
// retry — unary, stream, or unary turned stream — sends the same payload_id
// and the same content bytes (RETRY.md, "What a retry sends").
//
// Immutable after EncodePayload(); shared (shared_ptr) by the attempts of a
// call and safe to read from any thread.

#include <cstdint>
#include <memory>
#include <string>

#include "grpcpp/support/byte_buffer.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::client {

struct EncodedPayload {
  std::string session_id;
  uint64_t payload_id = 0;
  v1::ContentEncoding content_encoding = v1::CONTENT_ENCODING_IDENTITY;
  bool is_beacon = false;
  bool has_session_unloaded = false;
  // The serialized PayloadContent.
  std::shared_ptr<const std::string> content;

  int64_t content_bytes() const { return static_cast<int64_t>(content->size()); }
};

// Serializes `content` (consumed) once.
std::shared_ptr<const EncodedPayload> EncodePayload(std::string session_id, uint64_t payload_id,
                                                    v1::ContentEncoding encoding, bool is_beacon,
                                                    bool has_session_unloaded,
                                                    v1::PayloadContent content);

// The serialized PushPayloadRequest: its scalar fields, then field 4
// (content) referring to payload.content without copying it. The buffer
// keeps the payload's content alive for as long as gRPC holds it.
grpc::ByteBuffer UnaryRequestBytes(std::shared_ptr<const EncodedPayload> payload);

// The first message of a stream of the payload. `sha256` is of *payload.content.
v1::PushPayloadStreamRequest StreamHeader(const EncodedPayload& payload, std::string sha256);

}  // namespace ingest::client
