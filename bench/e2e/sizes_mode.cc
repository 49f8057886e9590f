// mode sizes: streamed payloads' throughput without a worker, then one big
// payload with every process's memory sampled (see modes.h, README.md).
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/load_driver.h"
#include "bench/common/process_usage.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/size_label.h"
#include "bench/common/stream_content.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/report.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_e2e {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;
using ::ingest::bench::SizeLabel;
using ::ingest::bench::ToMb;

constexpr absl::Duration kCommitPoll = absl::Milliseconds(100);
constexpr char kChunkRowsSql[] =
    "SELECT count(*) FROM session_payloads WHERE session_id = $1 AND payload_id = $2::bigint";

RoleRss Role(int64_t idle_bytes, int64_t peak_bytes) {
  RoleRss rss;
  *rss.mutable_idle_mb() = NullIfNegative(ToMb(idle_bytes));
  *rss.mutable_peak_mb() = NullIfNegative(ToMb(peak_bytes));
  return rss;
}

class SizesRun {
 public:
  explicit SizesRun(Harness& harness) : harness_(harness), options_(harness.options()) {}

  int Run() {
    const std::string labels = bench::SizeListLabel(options_.sizes);
    Note(absl::StrFormat(
        "sizes: %s streamed over %d lanes, %s warm-up + %s window each, no worker; then %s", labels,
        options_.stream_lanes, absl::FormatDuration(options_.warmup),
        absl::FormatDuration(options_.window),
        options_.big_stream_bytes > 0 ? absl::StrCat("one ", SizeLabel(options_.big_stream_bytes),
                                                     " payload with a worker, RSS sampled")
                                      : std::string("no big stream"),
        options_.quick ? "; QUICK" : ""));
    SizesRunRecord run = harness_.NewRunRecord<SizesRunRecord>();
    run.set_sizes(labels);
    run.set_stream_lanes(options_.stream_lanes);
    run.set_warmup_s(absl::ToDoubleSeconds(options_.warmup));
    run.set_window_s(absl::ToDoubleSeconds(options_.window));
    run.set_big_stream_bytes(static_cast<double>(options_.big_stream_bytes));
    harness_.Write(run);

    sessions_ = harness_.CreateSessions(options_.stream_lanes + 1);
    for (const int64_t size : options_.sizes) {
      const SizeRecord record = MeasureSize(size);
      harness_.Write(record);
      harness_.AddLine(FormatSizeLine(record));
    }
    if (options_.big_stream_bytes > 0) {
      const BigStreamRecord record = MeasureBigStream();
      harness_.AddResult(record, FormatBigStreamLine(record), "size", {BigStreamTarget(record)});
    }
    harness_.PrintLines();
    return 0;
  }

 private:
  SizeRecord MeasureSize(int64_t size) {
    const std::string label = SizeLabel(size);
    // Each lane's payloads repeat a block of their own, so neighbouring
    // records in Kafka differ.
    std::vector<v1::PayloadContent> payloads;
    for (int lane = 0; lane < options_.stream_lanes; ++lane) {
      payloads.push_back(
          harness_.ValueOrFail(bench::MakeStreamContent(size, 7 + static_cast<uint64_t>(lane))));
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
    bench::CpuReading start;
    bench::CpuReading end;
    absl::StatusOr<bench::ThroughputStats> run;
    {
      bench::PhaseProgress progress(stderr, title, options_.warmup + options_.window,
                                    bench::AckRateDetail(counters, size));
      run = bench::RunClosedLoop(sink,
                                 {.lanes = options_.stream_lanes,
                                  .warmup = options_.warmup,
                                  .window = options_.window,
                                  .drain_timeout = options_.stream_timeout,
                                  .on_window_start = [&] { start = harness_.ReadCpu(); },
                                  .on_window_end = [&] { end = harness_.ReadCpu(); }},
                                 counters);
    }
    const bench::ThroughputStats stats = harness_.ValueOrFail(std::move(run), title);
    SizeRecord record;
    record.set_kind("size");
    record.set_size(label);
    record.set_size_bytes(static_cast<double>(size));
    record.set_transport("stream");
    record.set_lanes(options_.stream_lanes);
    record.set_acked(stats.acked);
    record.set_msgs_per_s(stats.msgs_per_s);
    record.set_mb_per_s(stats.msgs_per_s * ToMb(size));
    record.set_window_s(absl::ToDoubleSeconds(stats.window));
    record.set_backpressure_retries(stats.backpressure_retries);
    *record.mutable_cpu() = harness_.CoresBetween(start, end);
    Note(absl::StrFormat(
        "  %s: %s MB/s (%s msgs/s, %d in the window, %d backpressure retries; cores: %s)", title,
        FormatSignificant(record.mb_per_s()), FormatSignificant(record.msgs_per_s()),
        record.acked(), record.backpressure_retries(), FormatCores(record.cpu())));
    return record;
  }

  BigStreamRecord MeasureBigStream() {
    BigStreamRecord record;
    record.set_kind("big_stream");
    const int64_t total_bytes = options_.big_stream_bytes;
    record.set_total_bytes(static_cast<double>(total_bytes));
    record.set_chunk_bytes(static_cast<double>(options_.stream_chunk_bytes));
    record.set_limit_mb(4 * ToMb(total_bytes));
    const std::string label = SizeLabel(total_bytes);
    const std::unique_ptr<PgConnection> db =
        harness_.ValueOrFail(PgConnection::Connect(options_.pg_dsn, absl::Seconds(10)));
    v1::PayloadContent payload = harness_.ValueOrFail(bench::MakeStreamContent(total_bytes, 7));

    harness_.StartWorkers(1, {});
    harness_.StartLagSampler();
    // The records of the throughput phases (and of anything before) first:
    // the stream's memory and commit time are measured on an idle pipeline.
    const LagWait drained = harness_.WaitForLagAtMost(
        0, options_.drain_timeout, "big stream: the worker drains what is already in Kafka");
    record.set_lag_before(std::max<int64_t>(drained.lag, 0));
    if (!drained.reached) {
      Note(absl::StrCat("the backlog (", drained.lag, " records) did not drain within ",
                        absl::FormatDuration(options_.drain_timeout),
                        "; the stream is measured behind it"));
    }
    // A fresh worker, so its memory is the stream's and not the backlog's.
    harness_.Check(harness_.workers().Stop(1, options_.worker_stop_grace).status());
    Note("restarting the worker for the big stream");
    harness_.StartWorkers(1, {});

    const std::vector<int> worker_pids = harness_.workers().pids();
    const bench::RssRoles roles{.client = getpid(),
                                .gateway = options_.gateway_pid,
                                .worker = worker_pids.empty() ? 0 : worker_pids.front(),
                                .kafka = options_.kafka_pid,
                                .postgres = options_.pg_pid};
    const bench::RssReading idle = bench::ReadIdleRss(roles);

    client::Session& session = *sessions_[static_cast<size_t>(options_.stream_lanes)];
    const uint64_t payload_id = session.next_payload_id();
    bench::RssSampler sampler(roles, options_.rss_interval);
    // The SDK says nothing until the answer: the bar shows time against a
    // guess of 100 MB/s for the stream plus as long again for the commit.
    bench::PhaseProgress progress(
        stderr, absl::StrCat("big stream: ", label, " through the gateway and the worker"),
        absl::Seconds(2 * ToMb(total_bytes) / 100), [&] {
          const bench::RssReading peaks = sampler.peaks();
          return absl::StrFormat("peak rss MB: gateway %.0f worker %.0f kafka %.0f pg %.0f",
                                 ToMb(peaks.gateway), ToMb(peaks.worker), ToMb(peaks.kafka),
                                 ToMb(peaks.postgres_max));
        });
    const absl::Time start = absl::Now();
    const client::PushResult pushed = harness_.ValueOrFail(session.Push(std::move(payload)));
    const absl::Time ack = absl::Now();
    if (pushed.payload_id != payload_id) {
      harness_.Fail(absl::InternalError("big stream: the SDK gave it another payload_id"));
    }
    record.set_chunk_records(pushed.chunk_count);
    record.set_ack_s(absl::ToDoubleSeconds(ack - start));
    record.set_mb_per_s(ToMb(total_bytes) / record.ack_s());

    // Committed: every chunk record has its row.
    for (;;) {
      absl::StatusOr<PgResult> rows =
          db->Query(kChunkRowsSql,
                    {PgParam::Text(session.id()), PgParam::Int(static_cast<int64_t>(payload_id))});
      int64_t count = 0;
      if (rows.ok() && PQntuples(rows->get()) == 1 &&
          absl::SimpleAtoi(PQgetvalue(rows->get(), 0, 0), &count) &&
          count >= record.chunk_records()) {
        record.set_commit_s(absl::ToDoubleSeconds(absl::Now() - start));
        break;
      }
      harness_.FailIfWorkerExited(1);
      if (absl::Now() - ack > options_.drain_timeout) {
        harness_.Fail(absl::DeadlineExceededError(absl::StrCat(
            "big stream: ", count, " of ", record.chunk_records(), " chunk rows committed ",
            absl::FormatDuration(options_.drain_timeout), " after the gateway's answer")));
      }
      absl::SleepFor(kCommitPoll);
    }
    sampler.Stop();
    progress.Finish();
    const bench::RssReading peak = sampler.peaks();
    record.set_rss_samples(sampler.samples());
    RssByRole& rss = *record.mutable_rss();
    *rss.mutable_client() = Role(idle.client, peak.client);
    *rss.mutable_gateway() = Role(idle.gateway, peak.gateway);
    *rss.mutable_worker() = Role(idle.worker, peak.worker);
    *rss.mutable_kafka() = Role(idle.kafka, peak.kafka);
    *rss.mutable_postgres_max() = Role(idle.postgres_max, peak.postgres_max);
    *rss.mutable_postgres_sum() = Role(idle.postgres_sum, peak.postgres_sum);
    Note(absl::StrFormat(
        "  big stream: %s acked after %.2fs (%s MB/s) as %d records, committed after %.2fs; "
        "rss MB idle -> peak: client %.0f -> %.0f, gateway %.0f -> %.0f, worker %.0f -> %.0f, "
        "kafka %.0f -> %.0f, postgres largest %.0f -> %.0f (all %.0f -> %.0f)",
        label, record.ack_s(), FormatSignificant(record.mb_per_s()), record.chunk_records(),
        record.commit_s(), ToMb(idle.client), ToMb(peak.client), ToMb(idle.gateway),
        ToMb(peak.gateway), ToMb(idle.worker), ToMb(peak.worker), ToMb(idle.kafka),
        ToMb(peak.kafka), ToMb(idle.postgres_max), ToMb(peak.postgres_max), ToMb(idle.postgres_sum),
        ToMb(peak.postgres_sum)));
    harness_.workers().StopAll(options_.worker_stop_grace);
    return record;
  }

  Harness& harness_;
  const E2eOptions& options_;
  std::vector<std::unique_ptr<client::Session>> sessions_;
};

}  // namespace

int RunSizesMode(Harness& harness) { return SizesRun(harness).Run(); }

}  // namespace ingest::bench_e2e
