// task_pool_dump: writes the raw side's records of gateway_bench for one size
// to a file (format in pool_file.h), so that bench/baselines/kafka-go-producer
// produces byte-identical records: the same PayloadPool (seed, pool bytes,
// sessions, project) as gateway_bench builds.

#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "bench/common/payload_pool.h"
#include "bench/common/pool_file.h"
#include "bench/common/size_label.h"
#include "services/common/flags/cli.h"

namespace {

constexpr int kExitError = 1;

// gateway_bench's sizes: what one PushPayload carries.
absl::StatusOr<int64_t> ParseMessageSize(absl::string_view text) {
  absl::StatusOr<int64_t> size = ingest::bench::ParseSize(text);
  if (size.ok() && (*size < 1024 || *size > (int64_t{8} << 20))) {
    return absl::InvalidArgumentError("must be within [1KB, 8MB], as gateway_bench's sizes");
  }
  return size;
}

}  // namespace

int main(int argc, char** argv) {
  using ingest::bench::SizeLabel;
  // The defaults are gateway_bench's.
  ingest::bench::PayloadPoolOptions options;
  std::string out;
  CLI::App app(
      "Writes the Task records gateway_bench's raw librdkafka side produces for one size:\n"
      "repeated [u32 big-endian key length][key][u32 big-endian value length][value].",
      "task_pool_dump");
  ingest::cli::AddParsed<int64_t>(app, "--size", options.message_bytes, ParseMessageSize, "SIZE",
                                  SizeLabel(options.message_bytes),
                                  "Serialized PayloadContent per record: 10KB, 100KB, 1MB, ...");
  ingest::cli::AddParsed<int64_t>(app, "--pool_bytes", options.pool_bytes, ingest::bench::ParseSize,
                                  "SIZE", SizeLabel(options.pool_bytes),
                                  "Distinct bodies worth this many bytes (at least 16 bodies), as "
                                  "gateway_bench's --pool_bytes.");
  app.add_option("--sessions", options.raw_keys,
                 "Distinct record keys (session ids), as gateway_bench's raw side.")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--project", options.project_id,
                 "project_id of the Tasks (gateway_bench --project).")
      ->capture_default_str();
  app.add_option("--out", out, "File to write (replaced atomically).")->required();
  if (std::optional<int> exit = ingest::cli::Parse(app, argc, argv)) return *exit;

  const ingest::bench::PayloadPool pool = ingest::bench::PayloadPool::Build(options);
  if (const absl::Status status = ingest::bench::WritePoolFile(pool, out); !status.ok()) {
    std::fprintf(stderr, "task_pool_dump: %s\n", std::string(status.message()).c_str());
    return kExitError;
  }
  int64_t record_bytes = 0;
  for (size_t i = 0; i < pool.size(); ++i) {
    record_bytes += static_cast<int64_t>(pool.raw_key(i).size() + pool.raw_value(i).size());
  }
  absl::PrintF("task_pool_dump: size=%s records=%d sessions=%d record_bytes=%d out=%s\n",
               SizeLabel(options.message_bytes), pool.size(), options.raw_keys, record_bytes, out);
  return 0;
}
