#include "bench/e2e/harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/common/status/status_macros.h"
#include "bench/common/console.h"
#include "bench/common/cpu.h"
#include "bench/common/progress.h"
#include "tools/chaos/kafka_watermarks.h"
#include "tools/chaos/pg_offsets.h"
#include "tools/loadgen/clock.h"

namespace ingest::bench_e2e {
namespace {

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);
// One lag read per side must not hold up the 500 ms sampler for long.
constexpr absl::Duration kLagReadTimeout = absl::Seconds(2);
constexpr absl::Duration kLagPoll = absl::Milliseconds(100);
constexpr absl::Duration kFailStopGrace = absl::Seconds(15);

absl::Status MakeDirectory(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  std::string partial;
  for (size_t at = 0; at != std::string::npos;) {
    at = path.find('/', at + 1);
    partial = path.substr(0, at);
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", partial));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LogDirectory(const std::string& requested) {
  if (!requested.empty()) {
    RETURN_IF_ERROR(MakeDirectory(requested));
    return requested;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                     "/bench_e2e.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdtemp ", pattern));
  }
  return pattern;
}

absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

}  // namespace

double ToMb(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

Harness::Harness(const E2eOptions& options) : options_(options) {}

Harness::~Harness() {
  if (sampler_ != nullptr) sampler_->Stop();
}

absl::Status Harness::Setup() {
  RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
  absl::StatusOr<std::string> log_dir = LogDirectory(options_.log_dir);
  if (!log_dir.ok()) return log_dir.status();
  RETURN_IF_ERROR(MakeDirectory(options_.pid_dir));
  workers_ = std::make_unique<WorkerFleet>(WorkerFleetOptions{
      .command = options_.worker_command,
      .log_dir = *log_dir,
      .pid_dir = options_.pid_dir,
      .ready_timeout = options_.worker_ready_timeout,
      .stop_grace = options_.worker_stop_grace});

  const bool sizes = options_.mode == Mode::kSizes;
  absl::StatusOr<std::unique_ptr<client::Client>> client = bench::CreateBenchClient(
      {.address = options_.gateway_address,
       .api_key = options_.api_key,
       .channels = options_.channels,
       .call_deadline = options_.call_timeout,
       .stream_deadline = options_.stream_timeout,
       .give_up_after = options_.give_up_after,
       .stream_threshold_bytes = sizes ? 0 : options_.size_bytes,
       .stream_chunk_bytes = options_.stream_chunk_bytes,
       .max_lanes = sizes ? options_.stream_lanes : options_.lanes,
       .max_payload_bytes =
           sizes ? *std::max_element(options_.sizes.begin(), options_.sizes.end())
                 : options_.size_bytes},
      backpressure_);
  if (!client.ok()) return Annotate(client.status(), "the gateway's client");
  client_ = *std::move(client);

  if (!NeedsWorkers(options_)) return absl::OkStatus();
  bench::Note(absl::StrCat("workers: ", options_.worker_command.front(), "; logs in ", *log_dir,
                           "/bench-worker-N.log"));
  absl::StatusOr<std::unique_ptr<chaos::CommittedOffsetSource>> sampler_offsets =
      chaos::ConnectPgOffsets(options_.pg_dsn, options_.topic, kLagReadTimeout);
  if (!sampler_offsets.ok()) return Annotate(sampler_offsets.status(), "PostgreSQL");
  sampler_offsets_ = *std::move(sampler_offsets);
  absl::StatusOr<std::unique_ptr<chaos::PartitionCommittedOffsetSource>> offsets =
      chaos::ConnectPgPartitionOffsets(options_.pg_dsn, options_.topic, kLagReadTimeout);
  if (!offsets.ok()) return Annotate(offsets.status(), "PostgreSQL");
  offsets_ = *std::move(offsets);
  absl::StatusOr<std::unique_ptr<chaos::HighWatermarkSource>> sampler_watermarks =
      chaos::ConnectKafkaWatermarks(options_.kafka_bootstrap, options_.topic, kConnectTimeout,
                                    kLagReadTimeout);
  if (!sampler_watermarks.ok()) return Annotate(sampler_watermarks.status(), "Kafka");
  sampler_watermarks_ = *std::move(sampler_watermarks);
  absl::StatusOr<std::unique_ptr<chaos::PartitionHighWatermarkSource>> watermarks =
      chaos::ConnectKafkaPartitionWatermarks(options_.kafka_bootstrap, options_.topic,
                                             kConnectTimeout, kLagReadTimeout);
  if (!watermarks.ok()) return Annotate(watermarks.status(), "Kafka");
  watermarks_ = *std::move(watermarks);

  // Before any worker ran, consumer_offsets may not exist yet: the first
  // worker creates the schema. Lag then counts from nothing committed.
  const absl::StatusOr<int64_t> committed = sampler_offsets_->SumNextOffsets();
  const absl::StatusOr<int64_t> high = sampler_watermarks_->SumHighWatermarks();
  if (!high.ok()) return Annotate(high.status(), "Kafka high watermarks");
  if (committed.ok() && *committed > *high) {
    return absl::FailedPreconditionError(absl::StrCat(
        "consumer_offsets in PostgreSQL (sum ", *committed, ") are ahead of Kafka's high "
        "watermarks for ", options_.topic, " (sum ", *high, "): the database holds offsets of "
        "another Kafka cluster"));
  }
  initial_lag_.emplace(*high, committed.value_or(0));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> Harness::CreateSessions(
    int count) {
  absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> sessions =
      bench::StartSessions(*client_, count, options_.project_id, "bench_e2e");
  if (!sessions.ok()) return Annotate(sessions.status(), "create sessions");
  return sessions;
}

void Harness::StartLagSampler() {
  if (sampler_ != nullptr || !initial_lag_.has_value()) return;
  sampler_ = std::make_unique<chaos::LagSampler>(
      chaos::LagSampler::Options{}, *sampler_offsets_, *sampler_watermarks_, *initial_lag_,
      loadgen::Clock::Real(), [](std::string line) { bench::Note(line); });
  sampler_->SampleOnce();
  sampler_->Start();
}

std::optional<chaos::LagSample> Harness::LatestLag() const {
  if (sampler_ == nullptr) return std::nullopt;
  return sampler_->Latest();
}

std::vector<chaos::LagSample> Harness::LagBetween(absl::Time from, absl::Time to) const {
  std::vector<chaos::LagSample> samples;
  if (sampler_ == nullptr) return samples;
  for (const chaos::LagSample& sample : sampler_->Samples()) {
    if (sample.at >= from && sample.at < to) samples.push_back(sample);
  }
  return samples;
}

LagWait Harness::WaitForLagAtMost(int64_t floor, absl::Duration timeout,
                                  const std::string& title) {
  const absl::Time begin = absl::Now();
  LagWait wait;
  bench::PhaseProgress progress(stderr, title, timeout, [this, floor] {
    const std::optional<chaos::LagSample> latest = LatestLag();
    return absl::StrCat("lag ", latest.has_value() ? absl::StrCat(latest->lag) : "?",
                        " (waiting for <= ", floor, ")");
  });
  for (;;) {
    const std::optional<chaos::LagSample> latest = LatestLag();
    if (latest.has_value() && latest->at >= begin && !latest->stale) {
      wait.lag = latest->lag;
      if (latest->lag <= floor) {
        wait.reached = true;
        break;
      }
    }
    if (absl::Now() - begin >= timeout) break;
    absl::SleepFor(kLagPoll);
  }
  wait.waited = absl::Now() - begin;
  return wait;
}

absl::StatusOr<std::map<int32_t, int64_t>> Harness::ReadCommittedOffsets() {
  if (offsets_ == nullptr) return absl::FailedPreconditionError("no PostgreSQL");
  return offsets_->ReadNextOffsets();
}

absl::StatusOr<std::map<int32_t, int64_t>> Harness::ReadHighWatermarks() {
  if (watermarks_ == nullptr) return absl::FailedPreconditionError("no Kafka");
  return watermarks_->ReadHighWatermarks();
}

int Harness::partition_count() const {
  return watermarks_ == nullptr ? 0 : watermarks_->partition_count();
}

CpuReadings Harness::ReadCpu() {
  CpuReadings readings;
  readings.at = absl::Now();
  readings.client = bench::ReadProcessCpu(0);
  if (options_.gateway_pid > 0) readings.gateway = bench::ReadProcessCpu(options_.gateway_pid);
  if (options_.kafka_pid > 0) readings.kafka = bench::ReadProcessCpu(options_.kafka_pid);
  if (workers_ != nullptr) {
    for (const int pid : workers_->pids()) {
      absl::StatusOr<absl::Duration> used = bench::ReadProcessCpu(pid);
      if (used.ok()) readings.workers[pid] = *used;
    }
  }
  if (options_.pg_pid > 0) readings.postgres = ReadTreeCpu(options_.pg_pid);
  return readings;
}

CpuCores Harness::CoresBetween(const CpuReadings& start, const CpuReadings& end) const {
  const absl::Duration wall = end.at - start.at;
  return {.client = bench::CoresUsed(start.client, end.client, wall),
          .gateway = bench::CoresUsed(start.gateway, end.gateway, wall),
          .worker = TreeCoresUsed(start.workers, end.workers, wall),
          .kafka = bench::CoresUsed(start.kafka, end.kafka, wall),
          .postgres = TreeCoresUsed(start.postgres, end.postgres, wall)};
}

bench::JsonLine Harness::RunJson() const {
  bench::JsonLine line;
  line.Add("kind", "run")
      .Add("mode", ModeName(options_.mode))
      .Add("started_at", absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()))
      .Add("quick", options_.quick);
  return line;
}

void Harness::AddLine(std::string line) {
  bench::Note(line);
  lines_.push_back(std::move(line));
}

void Harness::PrintLines() const {
  for (const std::string& line : lines_) bench::Print(line);
}

void Harness::Fail(const absl::Status& status) {
  if (sampler_ != nullptr) sampler_->Stop();
  if (workers_ != nullptr) workers_->StopAll(kFailStopGrace);
  bench::ExitAfterError(status, lines_);
}

void Harness::FailIfWorkerExited(int n) {
  if (workers_->Running(n)) return;
  Fail(absl::AbortedError(absl::StrCat(WorkerFleet::Name(n), " exited during the run; see ",
                                       workers_->log_path(n))));
}

}  // namespace ingest::bench_e2e
