#include "bench/gateway/memory_phase.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/process_usage.h"
#include "bench/common/progress.h"
#include "bench/common/size_label.h"
#include "bench/common/stream_content.h"
#include "bench/gateway/gateway_report.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {
absl::StatusOr<std::optional<GatewayStreamRecord>> MeasureMemory(const BenchOptions& options,
                                                                 client::Session& session) {
  if (options.gateway_pid == 0) {
    Note("memory phase skipped (no --gateway_pid)");
    return std::nullopt;
  }
  if (options.stream_bytes == 0) {
    Note("memory phase skipped (--stream_bytes=0)");
    return std::nullopt;
  }
  const std::string label = SizeLabel(options.stream_bytes);
  ASSIGN_OR_RETURN(v1::PayloadContent content,
                   WithContext(MakeStreamContent(options.stream_bytes, 7), "stream content"));
  const RssRoles gateway{.gateway = options.gateway_pid};
  const int64_t idle_rss = ReadIdleRss(gateway).gateway;
  if (idle_rss < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the memory of the gateway (pid ", options.gateway_pid, ")"));
  }
  StreamResult result{.total_bytes = options.stream_bytes,
                      .chunk_bytes = options.stream_chunk_bytes,
                      .idle_rss_bytes = idle_rss};

  // The SDK streams it (above its threshold); it says nothing until the
  // answer, so the bar shows time against a guess of 100 MB/s.
  RssSampler sampler(gateway, options.rss_interval);
  PhaseProgress progress(stderr, absl::StrCat("stream ", label, " through PushPayloadStream"),
                         absl::Seconds(ToMb(options.stream_bytes) / 100), [&] {
                           return absl::StrFormat("gateway rss %.1f MB (idle %.1f)",
                                                  ToMb(sampler.peaks().gateway),
                                                  ToMb(result.idle_rss_bytes));
                         });
  const absl::Time start = absl::Now();
  absl::StatusOr<client::PushResult> pushed = session.Push(std::move(content));
  result.elapsed = absl::Now() - start;
  sampler.Stop();
  progress.Finish();
  RETURN_IF_ERROR(WithContext(pushed.status(), "memory phase"));
  if (!pushed->streamed) return absl::InternalError("memory phase: the SDK did not stream");
  result.chunk_records = pushed->chunk_count;
  result.peak_rss_bytes = sampler.peaks().gateway;
  result.rss_samples = sampler.samples();
  Note(
      absl::StrFormat("  stream: %s in %.1fs as %d records; gateway rss idle %.1f MB, "
                      "peak %.1f MB",
                      label, absl::ToDoubleSeconds(result.elapsed), result.chunk_records,
                      ToMb(result.idle_rss_bytes), ToMb(result.peak_rss_bytes)));
  return StreamRecord(result);
}

}  // namespace ingest::bench
