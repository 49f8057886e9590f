#pragma once

// The raw side's records of one PayloadPool as a file, so that a producer
// outside this build (bench/baselines/kafka-go-producer) sends exactly the
// bytes RawSink produces: the Task the gateway's task builder makes of each
// body, keyed by its session id.
//
// Format: pool.size() records in index order, each
//   [u32 big-endian key length][key][u32 big-endian value length][value]
// with no header and no padding.

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bench/common/payload_pool.h"

namespace ingest::bench {

// Appends one record in the file format to `out`. Keys and values must be
// shorter than 4 GiB (checked).
void AppendPoolRecord(absl::string_view key, absl::string_view value, std::string& out);

// Writes raw_key(i), raw_value(i) for i in [0, pool.size()) to `file`.
// INTERNAL if a write fails; does not flush or close `file`.
absl::Status WritePoolRecords(const PayloadPool& pool, std::FILE* file);

// WritePoolRecords into `path`, replaced atomically (written to a temporary
// file next to it, then renamed), so a reader never sees half a pool.
absl::Status WritePoolFile(const PayloadPool& pool, const std::string& path);

}  // namespace ingest::bench
