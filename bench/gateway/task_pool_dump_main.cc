// task_pool_dump: writes the raw side's records of gateway_bench for one size
// to a file (format in pool_file.h), so that bench/baselines/kafka-go-producer
// produces byte-identical records: the same PayloadPool (seed, pool bytes,
// sessions, project) as gateway_bench builds.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/flags/usage.h"
#include "bench/common/payload_pool.h"
#include "bench/common/pool_file.h"
#include "bench/common/size_label.h"

ABSL_FLAG(std::string, size, "100KB",
          "Serialized PayloadContent per record: 10KB, 100KB, 1MB, ...");
ABSL_FLAG(std::string, pool_bytes, "32MB",
          "Distinct bodies worth this many bytes (at least 16 bodies), as gateway_bench's "
          "--pool_bytes.");
ABSL_FLAG(int, sessions, 256, "Distinct record keys (session ids), as gateway_bench's raw side.");
ABSL_FLAG(std::string, project, "demo-project",
          "project_id of the Tasks (gateway_bench --project).");
ABSL_FLAG(std::string, out, "", "File to write (replaced atomically). Required.");

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int UsageError(const std::string& message) {
  std::fprintf(stderr, "task_pool_dump: %s\nRun task_pool_dump --help for the flags.\n",
               message.c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  ingest::ConfigureFlagUsage(
      "Writes the Task records gateway_bench's raw librdkafka side produces for one size:\n"
      "repeated [u32 big-endian key length][key][u32 big-endian value length][value].\n"
      "Usage: task_pool_dump --size=100KB --out=FILE [--pool_bytes=32MB --sessions=256]");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return UsageError(absl::StrCat("unexpected arguments: ",
                                   absl::StrJoin(positional.begin() + 1, positional.end(), " ")));
  }
  const absl::StatusOr<int64_t> size = ingest::bench::ParseSize(absl::GetFlag(FLAGS_size));
  if (!size.ok()) return UsageError(absl::StrCat("--size: ", size.status().message()));
  if (*size < 1024 || *size > (int64_t{8} << 20)) {
    return UsageError("--size must be within [1KB, 8MB], as gateway_bench's sizes");
  }
  const absl::StatusOr<int64_t> pool_bytes =
      ingest::bench::ParseSize(absl::GetFlag(FLAGS_pool_bytes));
  if (!pool_bytes.ok()) {
    return UsageError(absl::StrCat("--pool_bytes: ", pool_bytes.status().message()));
  }
  if (absl::GetFlag(FLAGS_sessions) < 1) return UsageError("--sessions must be >= 1");
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return UsageError("--out is required");

  const ingest::bench::PayloadPoolOptions options{.message_bytes = *size,
                                                  .pool_bytes = *pool_bytes,
                                                  .raw_keys = absl::GetFlag(FLAGS_sessions),
                                                  .project_id = absl::GetFlag(FLAGS_project)};
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
               ingest::bench::SizeLabel(*size), pool.size(), absl::GetFlag(FLAGS_sessions),
               record_bytes, out);
  return 0;
}
