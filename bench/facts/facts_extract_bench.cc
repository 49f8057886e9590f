// Measures ExtractPayloadFacts throughput (MB/s of content, one thread) on
// the load generator's rrweb payloads of 10 KB, 100 KB and 1 MB, about 64 MiB
// of content per size. A hand-run measurement, not a test: nothing is asserted.
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

#include "ingest/v1/facts.pb.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/facts/payload_facts_extractor_internal.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest {
namespace {

constexpr size_t kContentPerSize = 64 << 20;
constexpr int kPasses = 5;

// Payload `payload_id` of `factory` (tools/loadgen's PayloadFactory: mostly
// mouse moves and DOM mutations, some base64 blobs, scrolls, inputs, clicks,
// console messages and resources), through the wire format as the gateway
// receives it.
v1::PayloadContent MakeContent(const loadgen::PayloadFactory& factory, uint64_t payload_id) {
  v1::PayloadContent parsed;
  parsed.ParseFromString(factory.Make(0, payload_id).SerializeAsString());
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
    const loadgen::PayloadFactory factory({.seed = size, .min_bytes = size, .max_bytes = size});
    std::vector<v1::PayloadContent> payloads;
    size_t bytes = 0;
    while (bytes < kContentPerSize) {
      payloads.push_back(MakeContent(factory, payloads.size() + 1));
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
