#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/chaos/lag_sources.h"

namespace ingest::chaos {

// A CommittedOffsetSource over the worker's consumer_offsets table in the
// PostgreSQL at `dsn`: the sum of next_offset over the rows of `topic`.
// Connects now (UNAVAILABLE, naming the server, if it cannot). A later read
// reconnects if the connection was lost. Every statement runs with
// statement_timeout = `timeout`, so a locked table fails the read instead of
// stalling the sampler; reconnecting waits at most `timeout` too (libpq
// rounds it up to whole seconds, at least 2).
absl::StatusOr<std::unique_ptr<CommittedOffsetSource>> ConnectPgOffsets(
    const std::string& dsn, const std::string& topic, absl::Duration timeout);

// The same reader, partition by partition.
absl::StatusOr<std::unique_ptr<PartitionCommittedOffsetSource>> ConnectPgPartitionOffsets(
    const std::string& dsn, const std::string& topic, absl::Duration timeout);

}  // namespace ingest::chaos
