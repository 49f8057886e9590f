#pragma once

// A phase's topic, created fresh and filled before the worker starts: the
// records of records.h, each acknowledged by Kafka, produced with the
// gateway's producer settings.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/common/payload_pool.h"
#include "bench/worker/options.h"
#include "ingest/v1/task.pb.h"
#include "services/common/kafka/producer.h"

namespace ingest::bench_worker {

// What a filled topic holds.
struct Prefill {
  std::vector<std::string> sessions;      // session ids (record keys) by session index
  std::vector<RecordPosition> positions;  // record i's partition and offset
  // The stored form of each distinct body, as the gateway built it and the
  // worker stores it: record i carries bodies[i % bodies.size()].
  std::vector<v1::Payload> bodies;
  int64_t value_bytes = 0;    // Kafka record values, all records
  int64_t content_bytes = 0;  // raw content (serialized PayloadContent), all records
  absl::Time received_at;     // of every record
};

// Creates `topic` with `phase`'s partitions (and its dead-letter topic),
// produces RecordsFor(phase) records of `pool`'s bodies to it and waits for
// every acknowledgement, within options.produce_timeout.
absl::StatusOr<Prefill> FillTopic(Producer& producer, const WorkerBenchOptions& options,
                                  const std::string& topic, const Phase& phase,
                                  const bench::PayloadPool& pool);

}  // namespace ingest::bench_worker
