#include "bench/common/payload_pool.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ingest/v1/task.pb.h"
#include "services/common/codec/task_codec.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::bench {

int64_t PoolMessageCount(const PayloadPoolOptions& options) {
  return std::max<int64_t>(options.min_messages,
                           options.pool_bytes / std::max<int64_t>(options.message_bytes, 1));
}

PayloadPool PayloadPool::Build(const PayloadPoolOptions& options) {
  const size_t bytes = static_cast<size_t>(options.message_bytes);
  const loadgen::PayloadFactory factory(
      {.seed = options.seed, .min_bytes = bytes, .max_bytes = bytes});
  const int64_t count = PoolMessageCount(options);
  const int keys = std::max(options.raw_keys, 1);
  const absl::Time now = absl::Now();

  PayloadPool pool;
  pool.message_bytes_ = options.message_bytes;
  pool.contents_.reserve(static_cast<size_t>(count));
  pool.keys_.reserve(static_cast<size_t>(count));
  pool.values_.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int key_index = static_cast<int>(i % keys);
    pool.contents_.push_back(factory.Make(key_index, static_cast<uint64_t>(i / keys + 1)));

    // What the gateway's task builder makes of a PushPayload (chunk 0 of 1),
    // with the payload's facts, as the gateway adds them.
    const std::string session_id =
        absl::StrFormat("%s.bench%027x", options.project_id, options.seed * 1000003 + key_index);
    v1::Task task;
    task.set_schema_version(kTaskSchemaVersion);
    task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
    task.set_project_id(options.project_id);
    task.set_session_id(session_id);
    task.set_payload_id(static_cast<uint64_t>(i / keys + 1));
    task.set_chunk_index(0);
    task.set_chunk_count(1);
    task.mutable_received_at()->set_seconds(absl::ToUnixSeconds(now));
    task.set_gateway_id("bench-raw");
    v1::Payload* payload = task.mutable_payload();
    payload->set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
    *payload->mutable_content() = pool.contents_.back();
    // The gateway reads the facts on every call; here it is done once per
    // body, before anything is measured.
    *payload->mutable_facts() = ExtractPayloadFacts(pool.contents_.back());
    pool.keys_.push_back(session_id);
    pool.values_.push_back(EncodeTask(task));
  }
  return pool;
}

}  // namespace ingest::bench
