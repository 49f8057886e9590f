#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/chaos/lag_sources.h"

namespace ingest::chaos {

// A PartitionCommittedOffsetSource over the worker's consumer_offsets table
// in the PostgreSQL at `dsn` (broker-proxy's DatabaseOffsets): each row's
// next_offset for `topic`, or their sum. Connects once now (UNAVAILABLE,
// naming the server, if it cannot). Each read connects anew and is bounded by
// `timeout`, so a locked table fails the read instead of stalling the sampler
// (libpq rounds the connect timeout up to whole seconds, at least 2).
absl::StatusOr<std::unique_ptr<PartitionCommittedOffsetSource>> ConnectPgOffsets(
    const std::string& dsn, const std::string& topic, absl::Duration timeout);

}  // namespace ingest::chaos
