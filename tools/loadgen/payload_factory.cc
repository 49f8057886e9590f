#include "tools/loadgen/payload_factory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace ingest::loadgen {
namespace {

// Independent pseudo-random streams derived from the same coordinates.
enum class Stream : uint64_t { kSize = 1, kContent = 2 };

uint64_t Mix(uint64_t z) {  // splitmix64 finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// splitmix64: tiny, fast and good enough for synthetic data. Not a CSPRNG.
class Rng {
 public:
  Rng(uint64_t seed, int session_index, uint64_t payload_id, Stream stream)
      : state_(Mix(Mix(Mix(seed + 0x9e3779b97f4a7c15ULL) ^
                       static_cast<uint64_t>(session_index)) ^
                   payload_id) ^
               static_cast<uint64_t>(stream)) {}

  uint64_t Next() { return Mix(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, n); the modulo bias is irrelevant for synthetic data.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [0, 1) with 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

constexpr const char* kWords[] = {
    "checkout", "cart",   "button", "submit", "profile", "search", "results",
    "loading",  "error",  "retry",  "modal",  "close",   "open",   "item",
    "price",    "total",  "user",   "settings", "save",  "cancel", "next",
    "previous", "page",   "menu",   "home",   "account", "login",  "logout",
    "welcome",  "banner", "footer", "header"};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

constexpr char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends one rrweb-like event. Mostly mouse moves (highly structured), some
// DOM mutations with words, a few incompressible base64 blobs.
void AppendEvent(Rng& rng, int64_t& timestamp_ms, std::string& out) {
  timestamp_ms += static_cast<int64_t>(rng.Below(50));
  const uint64_t kind = rng.Below(100);
  if (kind < 60) {
    absl::StrAppend(&out, R"({"type":3,"timestamp":)", timestamp_ms,
                    R"(,"data":{"source":1,"positions":[{"x":)",
                    rng.Below(1920), R"(,"y":)", rng.Below(1080), R"(,"id":)",
                    rng.Below(400), R"(,"timeOffset":-)", rng.Below(500),
                    "}]}}");
  } else if (kind < 85) {
    absl::StrAppend(&out, R"({"type":3,"timestamp":)", timestamp_ms,
                    R"(,"data":{"source":0,"adds":[{"parentId":)",
                    rng.Below(5000), R"(,"node":{"type":3,"id":)",
                    rng.Below(100000), R"(,"textContent":")");
    const uint64_t words = 3 + rng.Below(10);
    for (uint64_t i = 0; i < words; ++i) {
      if (i > 0) out.push_back(' ');
      out.append(kWords[rng.Below(kWordCount)]);
    }
    out.append("\"}}]}}");
  } else {
    absl::StrAppend(&out, R"({"type":5,"timestamp":)", timestamp_ms,
                    R"(,"data":{"tag":"canvas","payload":")");
    const uint64_t chars = 48 + rng.Below(144);
    for (uint64_t i = 0; i < chars; ++i) out.push_back(kBase64[rng.Below(64)]);
    out.append("\"}}");
  }
}

std::string MakeEvents(Rng& rng, size_t length) {
  std::string events;
  events.reserve(length + 512);
  int64_t timestamp_ms =
      1'700'000'000'000 + static_cast<int64_t>(rng.Below(1'000'000'000));
  events.push_back('[');
  while (events.size() < length) {
    if (events.size() > 1) events.push_back(',');
    AppendEvent(rng, timestamp_ms, events);
  }
  // JSON-ish: the last event may be cut; the bytes are opaque to the pipeline.
  events.resize(length);
  return events;
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Length L of a bytes field (tag < 16, so a 1-byte tag) whose encoding takes
// exactly `field_bytes`, or nullopt when no L does (the varint length prefix
// grows by a byte at 128, 16384, ..., so some totals are skipped).
std::optional<size_t> FieldLengthFor(size_t field_bytes) {
  for (size_t prefix = 1; prefix <= 10; ++prefix) {
    if (field_bytes < 1 + prefix) return std::nullopt;
    const size_t length = field_bytes - 1 - prefix;
    if (VarintSize(length) == prefix) return length;
  }
  return std::nullopt;
}

}  // namespace

PayloadFactory::PayloadFactory(const PayloadFactoryOptions& options)
    : options_(options) {
  if (options.min_bytes < kMinSupportedBytes ||
      options.min_bytes > options.max_bytes) {
    std::fprintf(stderr,
                 "loadgen: PayloadFactory needs %zu <= min_bytes (%zu) <= "
                 "max_bytes (%zu)\n",
                 kMinSupportedBytes, options.min_bytes, options.max_bytes);
    std::abort();
  }
}

size_t PayloadFactory::SizeFor(int session_index, uint64_t payload_id) const {
  Rng rng(options_.seed, session_index, payload_id, Stream::kSize);
  const double lo = std::log(static_cast<double>(options_.min_bytes));
  const double hi = std::log(static_cast<double>(options_.max_bytes));
  const double size = std::exp(lo + rng.Unit() * (hi - lo));
  return std::clamp(static_cast<size_t>(std::llround(size)), options_.min_bytes,
                    options_.max_bytes);
}

ingest::v1::PayloadContent PayloadFactory::Make(int session_index,
                                                uint64_t payload_id) const {
  Rng rng(options_.seed, session_index, payload_id, Stream::kContent);
  ingest::v1::PayloadContent content;
  // Both stay under 128 bytes so one byte of padding never changes their
  // length prefix (see below).
  content.set_messages(absl::StrCat(
      R"([{"type":"log","time":)", 1'700'000'000'000 + rng.Below(1'000'000),
      R"(,"value":["loadgen session )", session_index, " payload ",
      payload_id, "\"]}]"));
  content.set_resources(absl::StrCat(
      R"([{"name":"https://app.example/api/v1/items/)", rng.Below(1'000'000),
      R"(","type":"fetch","ms":)", rng.Below(2000), "}]"));

  const size_t target = SizeFor(session_index, payload_id);
  std::optional<size_t> events_length =
      FieldLengthFor(target - content.ByteSizeLong());
  if (!events_length.has_value()) {
    // The total falls in a gap of the varint prefix: one byte elsewhere
    // closes it.
    content.mutable_resources()->push_back(' ');
    events_length = FieldLengthFor(target - content.ByteSizeLong());
  }
  content.set_events(MakeEvents(rng, *events_length));
  return content;
}

}  // namespace ingest::loadgen
