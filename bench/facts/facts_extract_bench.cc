// Measures ExtractPayloadFacts throughput (MB/s of content, one thread) on
// synthetic rrweb payloads of 10 KB, 100 KB and 1 MB, about 64 MiB of
// content per size. A hand-run measurement, not a test: nothing is asserted.
//
//   bazel run //bench/facts:facts_extract_bench
//
// The payloads go through a protobuf parse first, as the gateway's do, so
// their strings have no spare capacity for simdjson's padding (the extractor
// pays for its padded copy, as it does in the gateway).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ingest/v1/facts.pb.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/facts/payload_facts_extractor_internal.h"

namespace ingest {
namespace {

constexpr size_t kContentPerSize = 64 << 20;
constexpr int kPasses = 5;

// splitmix64: deterministic synthetic data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Below(uint64_t n) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) % n;
  }

 private:
  uint64_t state_;
};

constexpr const char* kWords[] = {"checkout", "cart",    "button", "submit", "profile", "search",
                                  "results",  "loading", "error",  "retry",  "modal",   "close",
                                  "item",     "price",   "total",  "user",   "settings", "save"};

std::string Words(Rng& rng, uint64_t n) {
  std::string out;
  for (uint64_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(' ');
    out += kWords[rng.Below(std::size(kWords))];
  }
  return out;
}

std::string Incremental(int64_t ts, int source, const std::string& rest) {
  return absl::StrCat(R"({"type":3,"data":{"source":)", source, rest, R"(},"timestamp":)", ts,
                      "}");
}

// One rrweb event, mixed about as the load generator mixes them: mostly
// mouse moves and DOM mutations, some base64 blobs, scrolls, inputs, clicks
// and console plugin events.
std::string NextEvent(Rng& rng, int64_t ts) {
  const uint64_t kind = rng.Below(1000);
  if (kind < 520) {
    std::string rest = R"(,"positions":[)";
    const uint64_t positions = 1 + rng.Below(3);
    for (uint64_t i = 0; i < positions; ++i) {
      if (i > 0) rest.push_back(',');
      absl::StrAppend(&rest, R"({"x":)", rng.Below(1920), R"(,"y":)", rng.Below(1080),
                      R"(,"id":)", rng.Below(400), R"(,"timeOffset":-)", rng.Below(500), "}");
    }
    rest.push_back(']');
    return Incremental(ts, 1, rest);
  }
  if (kind < 760) {
    return Incremental(
        ts, 0,
        absl::StrCat(R"(,"adds":[{"parentId":)", rng.Below(5000), R"(,"nextId":null,"node":{)",
                     R"("type":2,"tagName":"span","attributes":{"class":")", Words(rng, 2),
                     R"("},"childNodes":[],"id":)", rng.Below(5000),
                     R"(}}],"removes":[{"parentId":)", rng.Below(5000), R"(,"id":)",
                     rng.Below(5000), R"(}],"texts":[{"id":)", rng.Below(5000),
                     R"(,"value":")", Words(rng, 1 + rng.Below(6)),
                     R"("}],"attributes":[{"id":)", rng.Below(5000),
                     R"(,"attributes":{"style":"color: red; width: 10px"}}])"));
  }
  if (kind < 860) {
    static constexpr char kBase64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string blob;
    const uint64_t length = 200 + rng.Below(1800);
    for (uint64_t i = 0; i < length; ++i) blob.push_back(kBase64[rng.Below(64)]);
    return Incremental(
        ts, 0,
        absl::StrCat(R"(,"adds":[],"removes":[],"texts":[],"attributes":[{"id":)", rng.Below(400),
                     R"(,"attributes":{"src":"data:image/png;base64,)", blob, R"("}}])"));
  }
  if (kind < 900) {
    return Incremental(ts, 3,
                       absl::StrCat(R"(,"id":)", rng.Below(400), R"(,"x":0,"y":)",
                                    rng.Below(20000)));
  }
  if (kind < 930) {
    return Incremental(ts, 5,
                       absl::StrCat(R"(,"text":")", Words(rng, 1 + rng.Below(3)),
                                    R"(","isChecked":false,"id":)", rng.Below(400)));
  }
  if (kind < 970) {
    return Incremental(ts, 2,
                       absl::StrCat(R"(,"type":2,"id":)", rng.Below(400), R"(,"x":)",
                                    rng.Below(1920), R"(,"y":)", rng.Below(1080)));
  }
  if (kind < 990) {
    return absl::StrCat(
        R"({"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"log","trace":[)",
        R"("at f https://app.example/main.js:1:2"],"payload":[")", Words(rng, 4),
        R"("]}},"timestamp":)", ts, "}");
  }
  return Incremental(ts, 4,
                     absl::StrCat(R"(,"width":)", 800 + rng.Below(1120), R"(,"height":)",
                                  600 + rng.Below(480)));
}

// A payload of about `bytes` bytes of content, most of it events.
v1::PayloadContent MakeContent(Rng& rng, size_t bytes, int64_t start_ms) {
  int64_t ts = start_ms;
  std::string events = absl::StrCat(
      "[", R"({"type":4,"data":{"href":"https://app.example/)", Words(rng, 1),
      R"(","width":1920,"height":1080},"timestamp":)", ts, "}");
  while (events.size() + 1 < bytes * 9 / 10) {
    ts += static_cast<int64_t>(rng.Below(300));
    absl::StrAppend(&events, ",", NextEvent(rng, ts));
  }
  events.push_back(']');

  std::string messages = "[";
  std::string resources = R"({"resources":[)";
  for (int i = 0; events.size() + messages.size() + resources.size() < bytes; ++i) {
    static constexpr const char* kLevels[] = {"log", "info", "warn", "error", "debug"};
    absl::StrAppend(&messages, i > 0 ? "," : "", R"({"type":")", kLevels[rng.Below(5)],
                    R"(","trace":["main.js:1:2"],"value":[")", Words(rng, 3), R"("],"time":)",
                    ts, "}");
    absl::StrAppend(&resources, i > 0 ? "," : "", R"({"name":"https://app.example/)",
                    Words(rng, 1), R"(.js","initiatorType":"script","startTime":)",
                    rng.Below(60000), R"(.5,"duration":12.25,"responseStatus":)",
                    rng.Below(10) == 0 ? 404 : 200, "}");
  }
  messages.push_back(']');
  resources += "]}";

  v1::PayloadContent content;
  content.set_events(std::move(events));
  content.set_messages(std::move(messages));
  content.set_errors(R"([{"event":"TypeError: x is undefined","type":"window.onerror"}])");
  content.set_resources(std::move(resources));
  // Through the wire format, as the gateway receives it.
  v1::PayloadContent parsed;
  parsed.ParseFromString(content.SerializeAsString());
  return parsed;
}

size_t ContentBytes(const v1::PayloadContent& content) {
  return content.events().size() + content.messages().size() + content.errors().size() +
         content.resources().size();
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line;
}

using Extract = v1::PayloadFacts (*)(const v1::PayloadContent&);

// The best of kPasses passes over all payloads, in MB/s (10^6 bytes).
double MeasureMbPerSecond(const std::vector<v1::PayloadContent>& payloads, size_t bytes,
                          Extract extract) {
  uint64_t sink = 0;
  for (const v1::PayloadContent& content : payloads) sink += extract(content).event_count();
  double best = 0;
  for (int pass = 0; pass < kPasses; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    for (const v1::PayloadContent& content : payloads) sink += extract(content).event_count();
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    best = std::max(best, static_cast<double>(bytes) / seconds.count() / 1e6);
  }
  if (sink == 0) std::printf("(no events read)\n");
  return best;
}

void Run() {
  std::printf("loadavg at start: %s\n", LoadAverage().c_str());
  for (const size_t size : {size_t{10} << 10, size_t{100} << 10, size_t{1} << 20}) {
    Rng rng(size);
    std::vector<v1::PayloadContent> payloads;
    size_t bytes = 0;
    while (bytes < kContentPerSize) {
      payloads.push_back(MakeContent(rng, size, 1'700'000'000'000 + payloads.size() * 60'000));
      bytes += ContentBytes(payloads.back());
    }
    for (const v1::PayloadContent& content : payloads) {
      const v1::PayloadFacts facts = ExtractPayloadFacts(content);
      if (!facts.parsed()) {
        std::fprintf(stderr, "the generator made an unparsed payload (%s)\n",
                     facts.unparsed_reason().c_str());
        std::abort();
      }
    }
    const double fast = MeasureMbPerSecond(payloads, bytes, &ExtractPayloadFacts);
    const double on_demand =
        MeasureMbPerSecond(payloads, bytes, &facts_internal::ExtractPayloadFactsOnDemand);
    std::printf(
        "size=%zu KiB payloads=%zu content=%.1f MiB  ExtractPayloadFacts %.0f MB/s  "
        "On-Demand walker %.0f MB/s  (best of %d)\n",
        size >> 10, payloads.size(), static_cast<double>(bytes) / (1 << 20), fast, on_demand,
        kPasses);
  }
  std::printf("loadavg at end: %s\n", LoadAverage().c_str());
}

}  // namespace
}  // namespace ingest

int main() { ingest::Run(); }
