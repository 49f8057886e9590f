#include "bench/retention/store_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/codec/task_codec.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/pg_task_store.h"

namespace ingest::bench_retention {
namespace {

// Errors a retry cannot fix: the records themselves are refused.
bool Permanent(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StoreWriter>> StoreWriter::Start(const WriterOptions& options,
                                                                std::vector<v1::Task> templates) {
  if (templates.empty()) return absl::InvalidArgumentError("the writer needs record templates");
  std::unique_ptr<TaskStore> store = CreatePgTaskStore({.dsn = options.dsn});
  RETURN_IF_ERROR(WithContext(store->Ping(), "the writer's store"));
  ASSIGN_OR_RETURN(const PartitionsEnsured ensured,
                   WithContext(store->EnsureDayPartitions(7, options.retention_days),
                               "the writer's day partitions"));
  if (ensured.busy) {
    return absl::UnavailableError(
        "another partition maintainer held the turn while the writer created its day "
        "partitions; is a worker or a retention job running on this database? Use a database "
        "of the benchmark's own");
  }
  auto writer = std::unique_ptr<StoreWriter>(
      new StoreWriter(options, std::move(templates), std::move(store)));
  writer->thread_ = std::thread([raw = writer.get()] { raw->Run(); });
  return writer;
}

StoreWriter::StoreWriter(const WriterOptions& options, std::vector<v1::Task> templates,
                         std::unique_ptr<TaskStore> store)
    : options_(options), templates_(std::move(templates)), store_(std::move(store)) {}

StoreWriter::~StoreWriter() { (void)Stop(); }

absl::StatusOr<std::vector<WriteCall>> StoreWriter::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (!error_.ok()) return error_;
  return calls_;
}

void StoreWriter::Run() {
  int64_t offset = 0;
  uint64_t body = 0;
  std::vector<uint64_t> next_payload_id(options_.sessions, 1);
  while (!stop_.load()) {
    std::vector<PartitionBatch> batches(1);
    PartitionBatch& batch = batches[0];
    batch.partition = options_.partition;
    batch.records.reserve(options_.records_per_transaction);
    for (int i = 0; i < options_.records_per_transaction; ++i) {
      const int session = static_cast<int>(offset % options_.sessions);
      TaskRecord& record = batch.records.emplace_back();
      record.offset = offset++;
      record.task = templates_[body++ % templates_.size()];
      record.task.set_session_id(absl::StrCat(options_.session_prefix, session));
      record.task.set_payload_id(next_payload_id[session]++);
      record.task.set_retention_days(static_cast<uint32_t>(options_.retention_days));
      SetReceivedAt(absl::Now(), &record.task);
      record.value_bytes = static_cast<int64_t>(record.task.ByteSizeLong());
    }
    batch.next_offset = offset;
    // The same records until they commit, as the worker retries a batch.
    for (int failures = 0;;) {
      absl::Status error;
      WriteCall call = Persist(batches, &error);
      calls_.push_back(call);
      if (error.ok()) {
        committed_ += call.records;
        break;
      }
      if (Permanent(error) || ++failures >= options_.max_consecutive_failures) {
        error_ = WithContext(
            error, absl::StrCat("the writer's PersistBatches (", failures, " failed in a row)"));
        return;
      }
      if (stop_.load()) return;
      absl::SleepFor(options_.failure_backoff);
    }
  }
}

WriteCall StoreWriter::Persist(absl::Span<const PartitionBatch> batches, absl::Status* error) {
  int64_t count = 0;
  int64_t content_bytes = 0;
  int64_t stored_bytes = 0;
  for (const PartitionBatch& batch : batches) {
    for (const TaskRecord& record : batch.records) {
      ++count;
      content_bytes += static_cast<int64_t>(record.task.payload().raw_size());
      stored_bytes += static_cast<int64_t>(record.task.payload().stored_data().size());
    }
  }
  WriteCall call{.started = absl::Now()};
  absl::StatusOr<PersistOutcome> outcome =
      store_->PersistBatches(options_.topic, batches, [](absl::Span<const DeadLetter> letters) {
        return absl::FailedPreconditionError(
            absl::StrCat(letters.size(), " of the writer's records would be dead-lettered (first: ",
                         DeadLetterReasonName(letters[0].reason), ": ", letters[0].detail, ")"));
      });
  call.finished = absl::Now();
  if (outcome.ok() && outcome->rows_written != count) {
    outcome = absl::FailedPreconditionError(absl::StrCat(
        "the store wrote ", outcome->rows_written, " of ", count, " records (expired ",
        outcome->records_expired, ", erased ", outcome->records_erased, ", duplicates ",
        outcome->duplicates_ignored, "); is another writer using this database?"));
  }
  if (!outcome.ok()) {
    *error = outcome.status();
    return call;
  }
  call.ok = true;
  call.records = count;
  call.content_bytes = content_bytes;
  call.stored_bytes = stored_bytes;
  return call;
}

}  // namespace ingest::bench_retention
