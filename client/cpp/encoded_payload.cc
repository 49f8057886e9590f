#include "client/cpp/encoded_payload.h"

#include <utility>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/slice.h"

namespace ingest::client {
namespace {

using google::protobuf::internal::WireFormatLite;

// Keeps a payload alive while a slice of gRPC's refers to its content.
void ReleasePayload(void* holder) {
  delete static_cast<std::shared_ptr<const EncodedPayload>*>(holder);
}

}  // namespace

std::shared_ptr<const EncodedPayload> EncodePayload(std::string session_id, uint64_t payload_id,
                                                    v1::ContentEncoding encoding, bool is_beacon,
                                                    bool has_session_unloaded,
                                                    v1::PayloadContent content) {
  auto payload = std::make_shared<EncodedPayload>();
  payload->session_id = std::move(session_id);
  payload->payload_id = payload_id;
  payload->content_encoding = encoding;
  payload->is_beacon = is_beacon;
  payload->has_session_unloaded = has_session_unloaded;
  auto bytes = std::make_shared<std::string>();
  content.SerializeToString(bytes.get());
  payload->content = std::move(bytes);
  return payload;
}

grpc::ByteBuffer UnaryRequestBytes(std::shared_ptr<const EncodedPayload> payload) {
  v1::PushPayloadRequest scalars;
  scalars.set_session_id(payload->session_id);
  scalars.set_payload_id(payload->payload_id);
  scalars.set_content_encoding(payload->content_encoding);
  scalars.set_is_beacon(payload->is_beacon);
  scalars.set_has_session_unloaded(payload->has_session_unloaded);
  std::string prefix = scalars.SerializeAsString();
  // Field 4 (content), length-delimited: tag, length, then the bytes. Fields
  // may come in any order on the wire.
  {
    google::protobuf::io::StringOutputStream out(&prefix);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.WriteTag(WireFormatLite::MakeTag(v1::PushPayloadRequest::kContentFieldNumber,
                                           WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(payload->content->size()));
  }
  const std::string& content = *payload->content;
  std::vector<grpc::Slice> slices;
  slices.emplace_back(prefix);
  if (!content.empty()) {
    slices.emplace_back(const_cast<char*>(content.data()), content.size(), &ReleasePayload,
                        new std::shared_ptr<const EncodedPayload>(std::move(payload)));
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

v1::PushPayloadStreamRequest StreamHeader(const EncodedPayload& payload, std::string sha256) {
  v1::PushPayloadStreamRequest request;
  v1::PayloadStreamHeader* header = request.mutable_header();
  header->set_session_id(payload.session_id);
  header->set_payload_id(payload.payload_id);
  header->set_content_encoding(payload.content_encoding);
  header->set_total_bytes(static_cast<uint64_t>(payload.content->size()));
  header->set_sha256(std::move(sha256));
  header->set_is_beacon(payload.is_beacon);
  header->set_has_session_unloaded(payload.has_session_unloaded);
  return request;
}

}  // namespace ingest::client
