#include "tools/chaos/flags.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

// Flags are process-wide: every parse below passes each flag it checks.
absl::StatusOr<ChaosOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "chaos_load");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data());
}

std::vector<std::string> Required() {
  return {"--name=kafka-down", "--gateways=127.0.0.1:1,127.0.0.1:2", "--api_key=k",
          "--pg_dsn=dbname=ingest", "--kafka_bootstrap=127.0.0.1:9092",
          "--marks_file=/tmp/marks"};
}

TEST(ParseFlagsTest, BindsFlagsToOptions) {
  std::vector<std::string> args = Required();
  for (const char* arg :
       {"--project=p", "--topic=t", "--sessions=3", "--duration=30s", "--payload_interval=50ms",
        "--payloads_per_session=7", "--min_payload_bytes=2048", "--max_payload_bytes=4096",
        "--stream_every=5", "--stream_bytes=100000", "--call_timeout=3s", "--give_up_after=1m",
        "--seed=9", "--drain_timeout=2m", "--lag_floor=7", "--expect_gateway_unaffected",
        "--noexpect_no_ok_during_fault", "--timeline_out=/tmp/t", "--ledger_out=/tmp/l"}) {
    args.push_back(arg);
  }
  const absl::StatusOr<ChaosOptions> options = Parse(args);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->name, "kafka-down");
  EXPECT_EQ(options->gateways, (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"}));
  EXPECT_EQ(options->api_key, "k");
  EXPECT_EQ(options->project_id, "p");
  EXPECT_EQ(options->pg_dsn, "dbname=ingest");
  EXPECT_EQ(options->kafka_bootstrap, "127.0.0.1:9092");
  EXPECT_EQ(options->topic, "t");
  EXPECT_EQ(options->sessions, 3);
  EXPECT_EQ(options->duration, absl::Seconds(30));
  EXPECT_EQ(options->payload_interval, absl::Milliseconds(50));
  EXPECT_EQ(options->payloads_per_session, 7);
  EXPECT_EQ(options->min_payload_bytes, 2048u);
  EXPECT_EQ(options->max_payload_bytes, 4096u);
  EXPECT_EQ(options->stream_every, 5);
  EXPECT_EQ(options->stream_bytes, 100000u);
  EXPECT_EQ(options->call_timeout, absl::Seconds(3));
  EXPECT_EQ(options->give_up_after, absl::Minutes(1));
  EXPECT_EQ(options->seed, 9u);
  EXPECT_EQ(options->marks_file, "/tmp/marks");
  EXPECT_EQ(options->drain_timeout, absl::Minutes(2));
  EXPECT_EQ(options->lag_floor, 7);
  EXPECT_TRUE(options->expect_gateway_unaffected);
  EXPECT_FALSE(options->expect_no_ok_during_fault);
  EXPECT_EQ(options->timeline_out, "/tmp/t");
  EXPECT_EQ(options->ledger_out, "/tmp/l");
}

TEST(ParseFlagsTest, UsageErrorsAreInvalidArgumentNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--no_such_flag=1", "--no_such_flag"},
      {"--duration=soon", "--duration"},
      {"--sessions=many", "--sessions"},
      {"stray", "stray"},
      {"--min_payload_bytes=-5", "--min_payload_bytes"},
      {"--sessions=0", "--sessions"},
      {"--gateways=nohost", "--gateways"},
  };
  for (const auto& [arg, named] : bad) {
    std::vector<std::string> args = Required();
    // Values a previous case may have left behind.
    for (const char* reset : {"--sessions=12", "--min_payload_bytes=10240", "--duration=90s"}) {
      args.push_back(reset);
    }
    args.push_back(arg);
    const absl::Status status = Parse(args).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << arg;
    EXPECT_NE(status.message().find(named), absl::string_view::npos) << status.message();
  }
}

}  // namespace
}  // namespace ingest::chaos
