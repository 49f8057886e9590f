#include "bench/common/http_get.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/health/health_server.h"

namespace ingest::bench {
namespace {

// A real HTTP server (CivetWeb): /livez answers 200, /readyz 503 "not ready".
class HttpGetTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HealthServer>> server = HealthServer::Start(
        "127.0.0.1:0", {.liveness = [] { return HealthReport::Healthy(); },
                        .readiness = [] { return HealthReport::Unhealthy("not ready"); }});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", server_->port(), path);
  }
  std::unique_ptr<HealthServer> server_;
};

TEST_F(HttpGetTest, ReadsTheStatusAndTheBody) {
  const absl::StatusOr<HttpResponse> response = HttpGet(Url("/livez"), absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok\n");
}

TEST_F(HttpGetTest, AnyStatusIsAResponse) {
  absl::StatusOr<HttpResponse> response = HttpGet(Url("/nope"), absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  // A worker's /readyz before it is ready: the body comes with the error status.
  response = HttpGet(Url("/readyz"), absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_NE(response->body.find("not ready"), std::string::npos) << response->body;
}

TEST_F(HttpGetTest, NothingListeningIsUnavailable) {
  const std::string url = Url("/livez");
  server_.reset();  // bound, then released: nothing listens there now
  EXPECT_EQ(HttpGet(url, absl::Seconds(2)).status().code(), absl::StatusCode::kUnavailable);
}

TEST(CheckHttpUrlTest, AcceptsHttpUrlsWithAPort) {
  EXPECT_TRUE(CheckHttpUrl("http://127.0.0.1:9464/metrics").ok());
  EXPECT_TRUE(CheckHttpUrl("http://localhost:80").ok());
}

TEST(CheckHttpUrlTest, RefusesWhatHttpGetCannotReach) {
  for (const char* url : {"", "127.0.0.1:9464/metrics", "https://127.0.0.1:9464/metrics",
                          "http://127.0.0.1/metrics", "http://127.0.0.1:70000/"}) {
    EXPECT_EQ(CheckHttpUrl(url).code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(HttpGet(url, absl::Seconds(1)).status().code(), absl::StatusCode::kInvalidArgument)
        << url;
  }
}

}  // namespace
}  // namespace ingest::bench
