// A PushPayloadStream call's messages from the network, through the pure
// part of the call (payload_stream_call.cc): the header check
// (ValidateStreamHeader), the StreamChunker that cuts the content into
// chunk records and holds the last one back until the client's half-close,
// and, for CONTENT_ENCODING_ZSTD, the StreamContentValidator. The gRPC
// reactor, the rate limit and Kafka are left out; chunks are taken as soon
// as they are ready, as the call does while its window has room.
//
// Input: chunk size (1 byte: 1..256), decompressed-bytes limit (2 bytes,
// times 16), a byte of choices (bit 0: keep the header's session id instead
// of swapping in one issued to the call's project), then the stream's
// messages, each a serialized PushPayloadStreamRequest, length-prefixed
// (16-bit little-endian). The input's end is the client's half-close; a
// message that does not parse ends the call as gRPC would.
//
// Checks: nothing crashes; chunks come in order, contiguous, of exactly the
// chunk size but the last, and hold the bytes sent; the call never holds
// more than one chunk of content; the last chunk (which completes the
// payload downstream) is released only after a half-close at exactly
// total_bytes with every check passed, carries the content's SHA-256, and
// then every chunk was released; Append refuses exactly the bytes past
// total_bytes. The content validator's verdict does not depend on how the
// content was cut, agrees with the unary check (ValidatePushPayload) when
// it accepts, and equals it on canonically serialized content.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_input.h"
#include "google/protobuf/stubs/logging.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/crypto/sha256.h"
#include "services/gateway/request_validation.h"
#include "services/gateway/session_id.h"
#include "services/gateway/stream_chunker.h"
#include "services/gateway/stream_content_validator.h"

namespace ingest {
namespace {

constexpr char kProject[] = "fuzz-project";

void Require(bool condition) {
  if (!condition) std::abort();
}

const SessionIds& Ids() {
  static const SessionIds* const ids = new SessionIds("fuzz-secret-0123456789abcdef");
  return *ids;
}

const std::string& OwnSession() {
  static const std::string* const id = new std::string(Ids().New(kProject));
  return *id;
}

// StreamContentValidator's verdict on `pieces`, fed in order.
bool ValidatorAccepts(int64_t limit, const std::vector<std::string>& pieces) {
  StreamContentValidator validator(limit);
  for (const std::string& piece : pieces) {
    if (!validator.Update(piece).ok()) return false;
  }
  return validator.Finish().ok();
}

// The unary check of the same content, labelled ZSTD.
absl::Status UnaryCheck(const v1::PayloadContent& content, const RequestLimits& limits) {
  v1::PushPayloadRequest request;
  request.set_session_id(OwnSession());
  request.set_payload_id(1);
  request.set_content_encoding(v1::CONTENT_ENCODING_ZSTD);
  *request.mutable_content() = content;
  return ValidatePushPayload(request, limits, Ids(), kProject);
}

// The content checks on a whole stream's content, as it was cut.
void CheckContentValidation(const std::vector<std::string>& pieces, const std::string& content,
                            const RequestLimits& limits) {
  const int64_t limit = limits.max_decompressed_bytes;
  const bool pieced = ValidatorAccepts(limit, pieces);
  Require(pieced == ValidatorAccepts(limit, {content}));
  v1::PayloadContent parsed;
  if (!parsed.ParseFromString(content)) return;
  const absl::Status unary = UnaryCheck(parsed, limits);
  if (pieced) Require(unary.ok());
  // Fields in order, each once, none unknown: the two checks are the same.
  if (parsed.GetReflection()->GetUnknownFields(parsed).empty()) {
    Require(ValidatorAccepts(limit, {parsed.SerializeAsString()}) == unary.ok());
  }
}

class Call {
 public:
  Call(uint64_t chunk_bytes, RequestLimits limits, bool keep_session)
      : chunk_bytes_(chunk_bytes), limits_(limits), keep_session_(keep_session) {}

  // One message read; false once the call failed.
  bool Message(const v1::PushPayloadStreamRequest& request) {
    if (!CheckRequestSize("PushPayloadStream", request.ByteSizeLong(), limits_).ok()) return false;
    if (request.has_header()) return Header(request.header());
    if (chunker_ == nullptr) return false;  // the first message must be the header
    const std::string& piece = request.chunk();
    const bool fits = piece.size() <= header_->total_bytes() - content_.size();
    const absl::Status appended = chunker_->Append(piece);
    Require(appended.ok() == fits);
    if (!appended.ok()) return false;
    content_ += piece;
    pieces_.push_back(piece);
    Require(chunker_->received() == content_.size());
    if (validator_ != nullptr && !validator_->Update(piece).ok()) return false;
    TakeReady(/*closed=*/false);
    // Never more than one chunk's worth held back.
    Require(content_.size() - taken_bytes_ <= chunk_bytes_);
    return true;
  }

  // The client half-closed.
  void ClientDone() {
    if (chunker_ == nullptr) return;
    const absl::Status closed = chunker_->Close();
    Require(closed.ok() == (content_.size() == header_->total_bytes()));
    if (!closed.ok()) return;
    CheckContentValidation(pieces_, content_, limits_);
    if (validator_ != nullptr && !validator_->Finish().ok()) return;
    TakeReady(/*closed=*/true);
    Require(chunker_->done() && released_last_);
    Require(chunks_ == chunker_->chunk_count() && taken_bytes_ == header_->total_bytes());
  }

 private:
  bool Header(v1::PayloadStreamHeader header) {
    if (header_.has_value()) return false;  // a second header
    if (!keep_session_) header.set_session_id(OwnSession());
    if (!ValidateStreamHeader(header, limits_, Ids(), kProject).ok()) return false;
    header_ = header;
    chunker_ = std::make_unique<StreamChunker>(header.total_bytes(), chunk_bytes_);
    Require(chunker_->chunk_count() == (header.total_bytes() + chunk_bytes_ - 1) / chunk_bytes_);
    if (header.content_encoding() == v1::CONTENT_ENCODING_ZSTD) {
      validator_ = std::make_unique<StreamContentValidator>(limits_.max_decompressed_bytes);
    }
    return true;
  }

  void TakeReady(bool closed) {
    while (chunker_->HasChunk()) {
      const StreamChunker::Chunk chunk = chunker_->TakeChunk();
      Require(chunk.index == chunks_ && chunk.offset == taken_bytes_);
      Require(chunk.data == absl::string_view(content_).substr(taken_bytes_, chunk.data.size()));
      Require(chunk.last == (chunk.index + 1 == chunker_->chunk_count()));
      if (chunk.last) {
        // Only after a half-close at exactly total_bytes, every check passed.
        Require(closed);
        Require(!chunk.data.empty() && chunk.data.size() <= chunk_bytes_);
        Require(chunk.offset + chunk.data.size() == header_->total_bytes());
        Require(chunk.sha256 == Sha256(content_));
        released_last_ = true;
      } else {
        Require(chunk.data.size() == chunk_bytes_ && chunk.sha256.empty());
      }
      ++chunks_;
      taken_bytes_ += chunk.data.size();
    }
  }

  const uint64_t chunk_bytes_;
  const RequestLimits limits_;
  const bool keep_session_;
  std::optional<v1::PayloadStreamHeader> header_;
  std::unique_ptr<StreamChunker> chunker_;
  std::unique_ptr<StreamContentValidator> validator_;
  std::string content_;              // every byte appended
  std::vector<std::string> pieces_;  // as they were appended
  uint32_t chunks_ = 0;              // chunks taken
  uint64_t taken_bytes_ = 0;
  bool released_last_ = false;
};

}  // namespace
}  // namespace ingest

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Protobuf logs every string field of invalid UTF-8 it refuses to parse.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ingest::fuzz::FuzzInput input(data, size);
  const uint64_t chunk_bytes = uint64_t{input.Byte()} + 1;
  ingest::RequestLimits limits;
  limits.max_decompressed_bytes = int64_t{input.U16()} << 4;
  const bool keep_session = (input.Byte() & 1) != 0;

  ingest::Call call(chunk_bytes, limits, keep_session);
  while (!input.empty()) {
    const absl::string_view bytes = input.LengthPrefixed();
    ingest::v1::PushPayloadStreamRequest request;
    if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return 0;
    if (!call.Message(request)) return 0;
  }
  call.ClientDone();
  return 0;
}
