// mode sizes: streamed payloads' throughput without a worker, then one big
// payload with every process's memory sampled (see modes.h, README.md).
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_macros.h"
#include "bench/common/console.h"
#include "bench/common/json_line.h"
#include "bench/common/load_driver.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/size_label.h"
#include "bench/common/stream_content.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/rss_monitor.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::bench_e2e {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;
using ::ingest::bench::SizeLabel;

// Streamed contents repeat one realistic block of this size (as in
// gateway_bench's memory phase); each lane's payloads use a block of their
// own, so neighbouring records in Kafka differ.
constexpr size_t kBlockBytes = 1 << 20;
constexpr int kIdleReadings = 5;
constexpr absl::Duration kIdleGap = absl::Milliseconds(100);
constexpr absl::Duration kCommitPoll = absl::Milliseconds(100);
constexpr char kChunkRowsSql[] =
    "SELECT count(*) FROM session_payloads WHERE session_id = $1 AND payload_id = $2::bigint";

absl::StatusOr<v1::PayloadContent> MakePayload(int64_t bytes, uint64_t seed) {
  const loadgen::PayloadFactory factory(
      {.seed = seed, .min_bytes = kBlockBytes, .max_bytes = kBlockBytes});
  return bench::MakeStreamContent(bytes, factory.Make(0, 1).events());
}

RoleRss Role(int64_t idle, int64_t peak) { return RoleRss{.idle_bytes = idle, .peak_bytes = peak}; }

class SizesRun {
 public:
  explicit SizesRun(Harness& harness) : harness_(harness), options_(harness.options()) {}

  int Run() {
    std::vector<std::string> labels;
    for (const int64_t size : options_.sizes) labels.push_back(SizeLabel(size));
    Note(absl::StrFormat(
        "sizes: %s streamed over %d lanes, %s warm-up + %s window each, no worker; then %s",
        absl::StrJoin(labels, ","), options_.stream_lanes, absl::FormatDuration(options_.warmup),
        absl::FormatDuration(options_.window),
        options_.big_stream_bytes > 0
            ? absl::StrCat("one ", SizeLabel(options_.big_stream_bytes),
                           " payload with a worker, RSS sampled")
            : std::string("no big stream"),
        options_.quick ? "; QUICK" : ""));
    harness_.results().Write(
        harness_.RunJson()
            .Add("sizes", absl::StrJoin(labels, ","))
            .Add("stream_lanes", options_.stream_lanes)
            .Add("warmup_s", absl::ToDoubleSeconds(options_.warmup))
            .Add("window_s", absl::ToDoubleSeconds(options_.window))
            .Add("big_stream_bytes", options_.big_stream_bytes)
            .Add("cpus", static_cast<int64_t>(std::thread::hardware_concurrency()))
            .Build());

    absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> sessions =
        harness_.CreateSessions(options_.stream_lanes + 1);
    if (!sessions.ok()) harness_.Fail(sessions.status());
    sessions_ = *std::move(sessions);

    for (const int64_t size : options_.sizes) {
      const SizeResult result = MeasureSize(size);
      harness_.results().Write(SizeJson(result));
      harness_.AddLine(FormatSizeLine(result));
    }
    if (options_.big_stream_bytes > 0) {
      const BigStreamResult result = MeasureBigStream();
      harness_.results().Write(BigStreamJson(result));
      const TargetCheck target = BigStreamTarget(result);
      harness_.results().Write(bench::TargetJson(target));
      harness_.AddLine(FormatBigStreamLine(result));
      harness_.AddLine(FormatTargetsLine("size", {target}));
    }
    harness_.PrintLines();
    return 0;
  }

 private:
  SizeResult MeasureSize(int64_t size) {
    const std::string label = SizeLabel(size);
    std::vector<v1::PayloadContent> payloads;
    for (int lane = 0; lane < options_.stream_lanes; ++lane) {
      absl::StatusOr<v1::PayloadContent> payload =
          MakePayload(size, 7 + static_cast<uint64_t>(lane));
      if (!payload.ok()) harness_.Fail(payload.status());
      payloads.push_back(*std::move(payload));
    }
    // Every payload is above the Client's stream threshold (0 in this mode).
    bench::SdkSink sink(
        sessions_, options_.stream_lanes,
        [&payloads](uint64_t k) -> const v1::PayloadContent& {
          return payloads[k % payloads.size()];
        },
        harness_.backpressure());
    bench::PhaseCounters counters;
    const std::string title = absl::StrCat(label, " PushPayloadStream throughput");
    CpuReadings start;
    CpuReadings end;
    absl::StatusOr<bench::ThroughputStats> stats;
    {
      struct Last {
        absl::Time at = absl::Now();
        int64_t acked = 0;
      } last;
      bench::PhaseProgress progress(stderr, title, options_.warmup + options_.window, [&] {
        const absl::Time now = absl::Now();
        const int64_t acked = counters.acked.load();
        const double seconds = absl::ToDoubleSeconds(now - last.at);
        const double rate = seconds > 0 ? ToMb((acked - last.acked) * size) / seconds : 0;
        last = {now, acked};
        return absl::StrCat("acked=", counters.acked.load(), "  ", FormatSignificant(rate),
                            " MB/s");
      });
      stats = bench::RunClosedLoop(sink,
                                   {.lanes = options_.stream_lanes,
                                    .warmup = options_.warmup,
                                    .window = options_.window,
                                    .drain_timeout = options_.stream_timeout,
                                    .on_window_start = [&] { start = harness_.ReadCpu(); },
                                    .on_window_end = [&] { end = harness_.ReadCpu(); }},
                                   counters);
    }
    if (!stats.ok()) {
      harness_.Fail(absl::Status(stats.status().code(),
                                 absl::StrCat(title, ": ", stats.status().message())));
    }
    SizeResult result{.size_bytes = size,
                      .lanes = options_.stream_lanes,
                      .acked = stats->acked,
                      .window_s = absl::ToDoubleSeconds(stats->window),
                      .msgs_per_s = stats->msgs_per_s,
                      .mb_per_s = stats->msgs_per_s * ToMb(size),
                      .backpressure_retries = stats->backpressure_retries,
                      .cpu = harness_.CoresBetween(start, end)};
    Note(absl::StrFormat(
        "  %s: %s MB/s (%s msgs/s, %d in the window, %d backpressure retries; cores: client "
        "%.2f, gateway %.2f, kafka %.2f)",
        title, FormatSignificant(result.mb_per_s), FormatSignificant(result.msgs_per_s),
        result.acked, result.backpressure_retries, result.cpu.client, result.cpu.gateway,
        result.cpu.kafka));
    return result;
  }

  BigStreamResult MeasureBigStream() {
    BigStreamResult result;
    result.total_bytes = options_.big_stream_bytes;
    result.chunk_bytes = options_.stream_chunk_bytes;
    const std::string label = SizeLabel(result.total_bytes);
    absl::StatusOr<std::unique_ptr<PgConnection>> db =
        PgConnection::Connect(options_.pg_dsn, absl::Seconds(10));
    if (!db.ok()) harness_.Fail(db.status());
    absl::StatusOr<v1::PayloadContent> payload = MakePayload(result.total_bytes, 7);
    if (!payload.ok()) harness_.Fail(payload.status());

    if (absl::Status status = harness_.workers().Start(1, {}); !status.ok()) harness_.Fail(status);
    Note(absl::StrCat(harness_.workers().Describe(1), " ready"));
    harness_.StartLagSampler();
    // The records of the throughput phases (and of anything before) first:
    // the stream's memory and commit time are measured on an idle pipeline.
    const LagWait drained = harness_.WaitForLagAtMost(
        0, options_.drain_timeout, "big stream: the worker drains what is already in Kafka");
    result.lag_before = std::max<int64_t>(drained.lag, 0);
    if (!drained.reached) {
      Note(absl::StrCat("the backlog (", drained.lag, " records) did not drain within ",
                        absl::FormatDuration(options_.drain_timeout),
                        "; the stream is measured behind it"));
    }
    // A fresh worker, so its memory is the stream's and not the backlog's.
    absl::StatusOr<absl::Duration> stopped =
        harness_.workers().Stop(1, options_.worker_stop_grace);
    if (!stopped.ok()) harness_.Fail(stopped.status());
    if (absl::Status status = harness_.workers().Start(1, {}); !status.ok()) harness_.Fail(status);
    Note(absl::StrCat(harness_.workers().Describe(1), " (restarted) ready"));

    const std::vector<int> worker_pids = harness_.workers().pids();
    const RssRoles roles{.client = getpid(),
                         .gateway = options_.gateway_pid,
                         .worker = worker_pids.empty() ? 0 : worker_pids.front(),
                         .kafka = options_.kafka_pid,
                         .postgres = options_.pg_pid};
    std::vector<RssReading> idle_readings;
    const std::vector<int> postgres_pids = ProcessAndChildren(roles.postgres);
    for (int i = 0; i < kIdleReadings; ++i) {
      if (i > 0) absl::SleepFor(kIdleGap);
      idle_readings.push_back(ReadRss(roles, postgres_pids));
    }
    const RssReading idle = MedianRss(std::move(idle_readings));

    client::Session& session = *sessions_[static_cast<size_t>(options_.stream_lanes)];
    const uint64_t payload_id = session.next_payload_id();
    RssMonitor monitor(roles, options_.rss_interval);
    // The SDK says nothing until the answer: the bar shows time against a
    // guess of 100 MB/s for the stream plus as long again for the commit.
    bench::PhaseProgress progress(
        stderr, absl::StrCat("big stream: ", label, " through the gateway and the worker"),
        absl::Seconds(2 * ToMb(result.total_bytes) / 100), [&] {
          const RssReading peaks = monitor.peaks();
          return absl::StrFormat("peak rss MB: gateway %.0f worker %.0f kafka %.0f pg %.0f",
                                 ToMb(peaks.gateway), ToMb(peaks.worker), ToMb(peaks.kafka),
                                 ToMb(peaks.postgres_max));
        });
    const absl::Time start = absl::Now();
    absl::StatusOr<client::PushResult> pushed = session.Push(*std::move(payload));
    const absl::Time ack = absl::Now();
    if (!pushed.ok()) harness_.Fail(pushed.status());
    if (pushed->payload_id != payload_id) {
      harness_.Fail(absl::InternalError("big stream: the SDK gave it another payload_id"));
    }
    result.chunk_records = static_cast<int>(pushed->chunk_count);
    result.ack_s = absl::ToDoubleSeconds(ack - start);
    result.mb_per_s = ToMb(result.total_bytes) / result.ack_s;

    // Committed: every chunk record has its row.
    for (;;) {
      absl::StatusOr<PgResult> rows =
          (*db)->Query(kChunkRowsSql, {PgParam::Text(session.id()),
                                       PgParam::Int(static_cast<int64_t>(payload_id))});
      int64_t count = 0;
      if (rows.ok() && PQntuples(rows->get()) == 1 &&
          absl::SimpleAtoi(PQgetvalue(rows->get(), 0, 0), &count) &&
          count >= result.chunk_records) {
        result.commit_s = absl::ToDoubleSeconds(absl::Now() - start);
        break;
      }
      harness_.FailIfWorkerExited(1);
      if (absl::Now() - ack > options_.drain_timeout) {
        harness_.Fail(absl::DeadlineExceededError(absl::StrCat(
            "big stream: ", count, " of ", result.chunk_records, " chunk rows committed ",
            absl::FormatDuration(options_.drain_timeout), " after the gateway's answer")));
      }
      absl::SleepFor(kCommitPoll);
    }
    monitor.Stop();
    progress.Finish();
    const RssReading peak = monitor.peaks();
    result.rss_samples = monitor.samples();
    result.client = Role(idle.client, peak.client);
    result.gateway = Role(idle.gateway, peak.gateway);
    result.worker = Role(idle.worker, peak.worker);
    result.kafka = Role(idle.kafka, peak.kafka);
    result.postgres_max = Role(idle.postgres_max, peak.postgres_max);
    result.postgres_sum = Role(idle.postgres_sum, peak.postgres_sum);
    Note(absl::StrFormat(
        "  big stream: %s acked after %.2fs (%s MB/s) as %d records, committed after %.2fs; "
        "rss MB idle -> peak: client %.0f -> %.0f, gateway %.0f -> %.0f, worker %.0f -> %.0f, "
        "kafka %.0f -> %.0f, postgres largest %.0f -> %.0f (all %.0f -> %.0f)",
        label, result.ack_s, FormatSignificant(result.mb_per_s), result.chunk_records,
        result.commit_s, ToMb(idle.client), ToMb(peak.client), ToMb(idle.gateway),
        ToMb(peak.gateway), ToMb(idle.worker), ToMb(peak.worker), ToMb(idle.kafka),
        ToMb(peak.kafka), ToMb(idle.postgres_max), ToMb(peak.postgres_max),
        ToMb(idle.postgres_sum), ToMb(peak.postgres_sum)));
    harness_.workers().StopAll(options_.worker_stop_grace);
    return result;
  }

  Harness& harness_;
  const E2eOptions& options_;
  std::vector<std::unique_ptr<client::Session>> sessions_;
};

}  // namespace

int RunSizesMode(Harness& harness) { return SizesRun(harness).Run(); }

}  // namespace ingest::bench_e2e
