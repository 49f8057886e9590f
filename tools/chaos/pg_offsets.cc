#include "tools/chaos/pg_offsets.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "services/broker_proxy/database_offsets.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/status/status_macros.h"

namespace ingest::chaos {
namespace {

// broker-proxy's reader of the same table (one bounded connection per read,
// so a lost connection needs no reconnect logic here).
class PgOffsets final : public PartitionCommittedOffsetSource {
 public:
  PgOffsets(std::unique_ptr<DatabaseOffsets> offsets, std::string topic)
      : offsets_(std::move(offsets)), topic_(std::move(topic)) {}

  absl::StatusOr<std::map<int32_t, int64_t>> ReadNextOffsets() override {
    return offsets_->NextOffsets(topic_);
  }

 private:
  const std::unique_ptr<DatabaseOffsets> offsets_;
  const std::string topic_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PartitionCommittedOffsetSource>> ConnectPgOffsets(
    const std::string& dsn, const std::string& topic, absl::Duration timeout) {
  // Connect now, so a wrong DSN fails the run's pre-flight, not its first
  // sample. Only connect: the table may not exist before a worker migrates.
  RETURN_IF_ERROR(
      ConnectBounded(dsn, timeout, "the worker's consumer_offsets", PgAccess::kReadOnly).status());
  return std::make_unique<PgOffsets>(CreatePgDatabaseOffsets(dsn, timeout), topic);
}

}  // namespace ingest::chaos
