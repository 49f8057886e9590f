#include "bench/e2e/harness.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/common/console.h"
#include "bench/common/progress.h"
#include "bench/e2e/report.h"
#include "client/cpp/clock.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"
#include "tools/chaos/kafka_watermarks.h"
#include "tools/chaos/pg_offsets.h"

namespace ingest::bench_e2e {
namespace {

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);
// One lag read per side must not hold up the 500 ms sampler for long.
constexpr absl::Duration kLagReadTimeout = absl::Seconds(2);
constexpr absl::Duration kLagPoll = absl::Milliseconds(100);
constexpr absl::Duration kFailStopGrace = absl::Seconds(15);

absl::Status MakeDirectory(const std::string& path) {
  std::error_code error;
  if (!path.empty() && !std::filesystem::create_directories(path, error) && error) {
    return absl::FailedPreconditionError(absl::StrCat("mkdir ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LogDirectory(const std::string& requested) {
  if (!requested.empty()) {
    RETURN_IF_ERROR(MakeDirectory(requested));
    return requested;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/bench_e2e.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdtemp ", pattern));
  }
  return pattern;
}

}  // namespace

Harness::Harness(const E2eOptions& options) : options_(options) {}

Harness::~Harness() {
  if (sampler_ != nullptr) sampler_->Stop();
}

absl::Status Harness::Setup() {
  RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
  ASSIGN_OR_RETURN(const std::string log_dir, LogDirectory(options_.log_dir));
  RETURN_IF_ERROR(MakeDirectory(options_.pid_dir));
  workers_ = std::make_unique<WorkerFleet>(
      WorkerFleetOptions{.command = options_.worker_command,
                         .log_dir = log_dir,
                         .pid_dir = options_.pid_dir,
                         .ready_timeout = options_.worker_ready_timeout,
                         .stop_grace = options_.worker_stop_grace});

  const bool sizes = options_.mode == Mode::kSizes;
  ASSIGN_OR_RETURN(
      client_,
      WithContext(bench::CreateBenchClient(
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
                                 : options_.size_bytes,
                       .tls = options_.tls},
                      backpressure_),
                  "the gateway's client"));

  if (!NeedsWorkers(options_)) return absl::OkStatus();
  bench::Note(absl::StrCat("workers: ", options_.worker_command.front(), "; logs in ", log_dir,
                           "/bench-worker-N.log"));
  for (LagSources* sources : {&sampler_sources_, &sources_}) {
    ASSIGN_OR_RETURN(
        sources->offsets,
        WithContext(chaos::ConnectPgOffsets(options_.pg_dsn, options_.topic, kLagReadTimeout),
                    "PostgreSQL"));
    ASSIGN_OR_RETURN(sources->watermarks, WithContext(chaos::ConnectKafkaWatermarks(
                                                          options_.kafka_bootstrap, options_.topic,
                                                          kConnectTimeout, kLagReadTimeout),
                                                      "Kafka"));
  }

  // Before any worker ran, consumer_offsets may not exist yet: the first
  // worker creates the schema. Lag then counts from nothing committed.
  const absl::StatusOr<int64_t> committed = sampler_sources_.offsets->SumNextOffsets();
  ASSIGN_OR_RETURN(const int64_t high, WithContext(sampler_sources_.watermarks->SumHighWatermarks(),
                                                   "Kafka high watermarks"));
  if (committed.ok() && *committed > high) {
    return absl::FailedPreconditionError(absl::StrCat("consumer_offsets in PostgreSQL (sum ",
                                                      *committed,
                                                      ") are ahead of Kafka's high "
                                                      "watermarks for ",
                                                      options_.topic, " (sum ", high,
                                                      "): the database holds offsets of "
                                                      "another Kafka cluster"));
  }
  initial_lag_.emplace(high, committed.value_or(0));
  return absl::OkStatus();
}

void Harness::Fail(const absl::Status& status) {
  if (sampler_ != nullptr) sampler_->Stop();
  if (workers_ != nullptr) workers_->StopAll(kFailStopGrace);
  bench::ExitAfterError(status, lines_);
}

void Harness::Check(const absl::Status& status, absl::string_view context) {
  if (!status.ok()) Fail(context.empty() ? status : WithContext(status, context));
}

void Harness::FailIfWorkerExited(int n) {
  if (workers_->Running(n)) return;
  Fail(absl::AbortedError(
      absl::StrCat(WorkerFleet::Name(n), " exited during the run; see ", workers_->log_path(n))));
}

std::vector<std::unique_ptr<client::Session>> Harness::CreateSessions(int count) {
  return ValueOrFail(bench::StartSessions(*client_, count, options_.project_id, "bench_e2e"),
                     "create sessions");
}

std::unique_ptr<PooledSessions> Harness::CreatePooledSessions() {
  const bench::PayloadPoolOptions pool_options{.message_bytes = options_.size_bytes,
                                               .pool_bytes = options_.pool_bytes,
                                               .project_id = options_.project_id};
  bench::Note(absl::StrCat("building ", bench::PoolMessageCount(pool_options), " distinct bodies"));
  auto load = std::make_unique<PooledSessions>(PooledSessions{
      .pool = bench::PayloadPool::Build(pool_options), .sessions = CreateSessions(options_.lanes)});
  load->sink = std::make_unique<bench::SdkSink>(
      load->sessions, options_.lanes,
      [pool = &load->pool](uint64_t k) -> const v1::PayloadContent& { return pool->content(k); },
      backpressure_);
  bench::Note(absl::StrCat(options_.lanes, " sessions created"));
  return load;
}

void Harness::StartWorkers(int count, const std::function<std::vector<std::string>(int n)>& flags) {
  for (int n = 1; n <= count; ++n) {
    Check(workers_->Launch(n, flags ? flags(n) : std::vector<std::string>()));
  }
  const absl::Time ready_by = absl::Now() + options_.worker_ready_timeout;
  for (int n = 1; n <= count; ++n) {
    Check(workers_->WaitReady(n, ready_by));
    bench::Note(absl::StrCat(workers_->Describe(n), " ready"));
  }
}

void Harness::StartLagSampler() {
  if (sampler_ != nullptr || !initial_lag_.has_value()) return;
  sampler_ = std::make_unique<chaos::LagSampler>(
      chaos::LagSampler::Options{}, *sampler_sources_.offsets, *sampler_sources_.watermarks,
      *initial_lag_, client::SharedSystemClock(), [](std::string line) { bench::Note(line); });
  sampler_->SampleOnce();
  sampler_->Start();
}

std::optional<chaos::LagSample> Harness::LatestLag() const {
  if (sampler_ == nullptr) return std::nullopt;
  return sampler_->Latest();
}

int64_t Harness::LatestLagOrMinusOne() const {
  const std::optional<chaos::LagSample> latest = LatestLag();
  return latest.has_value() ? latest->lag : -1;
}

std::vector<chaos::LagSample> Harness::LagBetween(absl::Time from, absl::Time to) const {
  std::vector<chaos::LagSample> samples;
  if (sampler_ == nullptr) return samples;
  for (const chaos::LagSample& sample : sampler_->Samples()) {
    if (sample.at >= from && sample.at < to) samples.push_back(sample);
  }
  return samples;
}

LagWait Harness::WaitForLagAtMost(int64_t floor, absl::Duration timeout, const std::string& title) {
  const absl::Time begin = absl::Now();
  LagWait wait;
  bench::PhaseProgress progress(stderr, title, timeout, [this, floor] {
    return absl::StrCat("lag ", LatestLagOrMinusOne(), " (waiting for <= ", floor, ")");
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
  if (sources_.offsets == nullptr) return absl::FailedPreconditionError("no PostgreSQL");
  return sources_.offsets->ReadNextOffsets();
}

absl::StatusOr<std::map<int32_t, int64_t>> Harness::ReadHighWatermarks() {
  if (sources_.watermarks == nullptr) return absl::FailedPreconditionError("no Kafka");
  return sources_.watermarks->ReadHighWatermarks();
}

int Harness::partition_count() const {
  return sources_.watermarks == nullptr ? 0 : sources_.watermarks->partition_count();
}

bench::CpuReading Harness::ReadCpu() {
  return bench::ReadCpu({{getpid()},
                         {options_.gateway_pid},
                         workers_ != nullptr ? workers_->pids() : std::vector<int>(),
                         {options_.kafka_pid},
                         bench::ProcessAndChildren(options_.pg_pid)});
}

Cores Harness::CoresBetween(const bench::CpuReading& start, const bench::CpuReading& end) {
  const std::vector<double> cores = bench::CoresBetween(start, end);
  Cores used;
  *used.mutable_client() = NullIfNegative(cores[0]);
  *used.mutable_gateway() = NullIfNegative(cores[1]);
  *used.mutable_worker() = NullIfNegative(cores[2]);
  *used.mutable_kafka() = NullIfNegative(cores[3]);
  *used.mutable_postgres() = NullIfNegative(cores[4]);
  return used;
}

void Harness::AddLine(std::string line) {
  bench::Note(line);
  lines_.push_back(std::move(line));
}

void Harness::AddResult(const google::protobuf::Message& record, std::string line,
                        absl::string_view name, absl::Span<const bench::TargetCheck> targets) {
  results_.Write(record);
  for (const bench::TargetCheck& target : targets) results_.Write(bench::ToTargetRecord(target));
  AddLine(std::move(line));
  AddLine(bench::FormatTargetsLine(name, targets));
}

void Harness::PrintLines() const {
  for (const std::string& line : lines_) bench::Print(line);
}

}  // namespace ingest::bench_e2e
