// The gateway as wired by GatewayServer: every task carries its project's
// retention from the API keys file in force when it was admitted (a changed
// file applies without a restart), or --default_retention_days; and the
// options that would start it wrongly are refused with what to change.

#include "services/gateway/gateway_server.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/gateway/testing/recording_producer.h"
#include "services/gateway/testing/test_gateway_options.h"
#include "tests/testing/polling.h"

namespace ingest {
namespace {

constexpr char kLongKey[] = "sk_retention_long_0123456789";
constexpr char kDefaultKey[] = "sk_retention_default_01234567";

// Replaces the file atomically (a new inode), as a Secret volume does.
void Replace(const std::string& path, const std::string& contents) {
  std::ofstream(path + ".tmp", std::ios::trunc) << contents;
  std::filesystem::rename(path + ".tmp", path);
}

std::string KeysWithRetention(int long_kept_days) {
  return absl::StrCat("long-kept ", kLongKey, " retention_days=", long_kept_days, "\n",
                      "default-kept ", kDefaultKey, "\n");
}

class GatewayRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayOptions options =
        TestGatewayOptions("unused", "sk_unused_key_0123456789", "retention-secret-0123456789");
    Replace(options.api_keys_file, KeysWithRetention(400));
    options.default_retention_days = 45;
    options.secrets_reload_interval = absl::Milliseconds(50);
    keys_file_ = options.api_keys_file;
    auto producer = std::make_unique<RecordingProducer>();
    producer_ = producer.get();
    auto server = GatewayServer::Start(options, std::move(producer));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                                    grpc::InsecureChannelCredentials()));
  }

  // Starts a session with `key`; the retention its task carries (-1 if the
  // call failed).
  int64_t RetentionOfNewSession(const std::string& key) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
    v1::InitializeSessionResponse response;
    grpc::Status status = stub_->InitializeSession(&context, {}, &response);
    if (!status.ok()) {
      ADD_FAILURE() << status.error_message();
      return -1;
    }
    for (const v1::Task& task : producer_->tasks()) {
      if (task.session_id() == response.session_id()) return task.retention_days();
    }
    ADD_FAILURE() << "no task for session " << response.session_id();
    return -1;
  }

  std::string keys_file_;
  RecordingProducer* producer_ = nullptr;
  std::unique_ptr<GatewayServer> server_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

TEST_F(GatewayRetentionTest, TasksCarryTheProjectsRetentionElseTheDefault) {
  EXPECT_EQ(RetentionOfNewSession(kLongKey), 400);
  EXPECT_EQ(RetentionOfNewSession(kDefaultKey), 45);
}

TEST_F(GatewayRetentionTest, AChangedKeysFileAppliesToTheNextTasksWithoutARestart) {
  ASSERT_EQ(RetentionOfNewSession(kLongKey), 400);
  Replace(keys_file_, KeysWithRetention(7));
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return RetentionOfNewSession(kLongKey) == 7; }));
  EXPECT_EQ(RetentionOfNewSession(kDefaultKey), 45);
}

TEST(ValidateGatewayOptionsTest, DefaultRetentionDaysMustBeWholeDaysFromOneToTenYears) {
  GatewayOptions options = TestGatewayOptions("p", "sk_validate_key_0123456789", "secret-01234567");
  for (int days : {1, 30, 3650}) {
    options.default_retention_days = days;
    EXPECT_TRUE(ValidateGatewayOptions(options).ok()) << days;
  }
  for (int days : {0, -1, 3651}) {
    options.default_retention_days = days;
    const absl::Status status = ValidateGatewayOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << days;
    EXPECT_EQ(status.message(),
              absl::StrCat("--default_retention_days must be whole days from 1 to 3650 (got ", days,
                           "); a project's own retention_days in --api_keys_file overrides it"));
  }
}

}  // namespace
}  // namespace ingest
