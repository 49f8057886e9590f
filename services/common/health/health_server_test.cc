#include "services/common/health/health_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

// A test never waits on the server longer than this; a hang fails the test
// instead of stalling the suite.
constexpr absl::Duration kClientTimeout = absl::Seconds(10);

// Readiness the test flips, as the worker would from its own threads.
class Switch {
 public:
  void Set(bool ok, std::string reason) {
    absl::MutexLock lock(&mutex_);
    report_ = {ok, std::move(reason)};
  }
  HealthReport Get() const {
    absl::MutexLock lock(&mutex_);
    return report_;
  }

 private:
  mutable absl::Mutex mutex_;
  HealthReport report_ ABSL_GUARDED_BY(mutex_);
};

// A connected client socket with a receive timeout; -1 on failure.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const timeval timeout = absl::ToTimeval(kClientTimeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends until it closes; "<timeout>" if it does not.
std::string ReadToEnd(int fd) {
  std::string received;
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) return received;
    if (n < 0) return received + "<timeout>";
    received.append(buffer, static_cast<size_t>(n));
  }
}

std::string Exchange(int port, absl::string_view request) {
  const int fd = Connect(port);
  if (fd < 0) return "<connect failed>";
  const bool sent = send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                    static_cast<ssize_t>(request.size());
  std::string response = sent ? ReadToEnd(fd) : "<send failed>";
  close(fd);
  return response;
}

std::string Get(int port, absl::string_view path) {
  return Exchange(port, std::string("GET ") + std::string(path) +
                            " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kube-probe/1.27\r\n\r\n");
}

absl::string_view StatusLine(absl::string_view response) {
  return response.substr(0, response.find("\r\n"));
}

absl::string_view Body(absl::string_view response) {
  const size_t end = response.find("\r\n\r\n");
  return end == absl::string_view::npos ? "<no head>" : response.substr(end + 4);
}

class HealthServerTest : public ::testing::Test {
 protected:
  void StartServer(HealthServerOptions options = {}) {
    auto server = HealthServer::Start(
        "127.0.0.1:0",
        {[this] { return liveness_.Get(); }, [this] { return readiness_.Get(); }}, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }
  int port() const { return server_->port(); }

  Switch liveness_;
  Switch readiness_;
  std::unique_ptr<HealthServer> server_;
};

TEST_F(HealthServerTest, ReadinessFlipsBetween200And503WithTheCheck) {
  StartServer();
  readiness_.Set(false, "no partitions assigned");
  std::string response = Get(port(), "/readyz");
  EXPECT_EQ(StatusLine(response), "HTTP/1.1 503 Service Unavailable") << response;
  EXPECT_EQ(Body(response), "no partitions assigned\n");

  readiness_.Set(true, "");
  response = Get(port(), "/readyz");
  EXPECT_EQ(StatusLine(response), "HTTP/1.1 200 OK") << response;
  EXPECT_EQ(Body(response), "ok\n");
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(HealthServerTest, LivenessIsItsOwnCheck) {
  StartServer();
  readiness_.Set(false, "database unreachable");
  EXPECT_EQ(StatusLine(Get(port(), "/livez")), "HTTP/1.1 200 OK");
  liveness_.Set(false, "partition loop stalled");
  const std::string response = Get(port(), "/livez?verbose");
  EXPECT_EQ(StatusLine(response), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(Body(response), "partition loop stalled\n");
}

TEST_F(HealthServerTest, UnknownPathIs404) {
  StartServer();
  EXPECT_EQ(StatusLine(Get(port(), "/healthz")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(StatusLine(Get(port(), "/")), "HTTP/1.1 404 Not Found");
}

TEST_F(HealthServerTest, OtherMethodsAre405) {
  StartServer();
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    const std::string response =
        Exchange(port(), std::string(method) + " /readyz HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(StatusLine(response), "HTTP/1.1 405 Method Not Allowed") << method;
    EXPECT_NE(response.find("Allow: GET\r\n"), std::string::npos) << response;
  }
}

TEST_F(HealthServerTest, MalformedOrOversizeRequestsAreRefusedAndServingGoesOn) {
  StartServer();
  const std::string malformed = Exchange(port(), "hello\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(malformed, "HTTP/1.0 4") || absl::StartsWith(malformed, "HTTP/1.1 4"))
      << "a malformed request gets a 4xx from CivetWeb: " << StatusLine(malformed);
  const std::string head = "GET /readyz HTTP/1.1\r\nX-Pad: " + std::string(64 * 1024, 'a');
  const std::string response = Exchange(port(), head + "\r\n\r\n");
  EXPECT_EQ(response.find("HTTP/1.1 200"), std::string::npos) << StatusLine(response);
  EXPECT_EQ(StatusLine(Get(port(), "/readyz")), "HTTP/1.1 200 OK");
}

TEST_F(HealthServerTest, SilentClientBlocksNeitherOthersNorShutdown) {
  StartServer();
  const int silent = Connect(port());
  ASSERT_GE(silent, 0);
  // Served while the silent connection is open.
  EXPECT_EQ(StatusLine(Get(port(), "/livez")), "HTTP/1.1 200 OK");
  EXPECT_EQ(StatusLine(Get(port(), "/readyz")), "HTTP/1.1 200 OK");

  const absl::Time before = absl::Now();
  server_.reset();
  EXPECT_LT(absl::Now() - before, kClientTimeout);
  close(silent);
}

TEST_F(HealthServerTest, SilentClientIsDroppedAfterTheReadTimeout) {
  HealthServerOptions options;
  options.read_timeout = absl::Milliseconds(200);
  StartServer(options);
  const int silent = Connect(port());
  ASSERT_GE(silent, 0);
  const absl::Time start = absl::Now();
  // Closed by the server (CivetWeb may say 408 first), before the client timeout.
  EXPECT_EQ(ReadToEnd(silent).find("<timeout>"), std::string::npos);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  close(silent);
}

TEST_F(HealthServerTest, RequestSplitAcrossWritesIsServed) {
  StartServer();
  const int fd = Connect(port());
  ASSERT_GE(fd, 0);
  for (absl::string_view part : {"GET /rea", "dyz HTTP/1.1\r\n", "Host: x\r\n", "\r\n"}) {
    ASSERT_EQ(send(fd, part.data(), part.size(), MSG_NOSIGNAL), static_cast<ssize_t>(part.size()));
  }
  EXPECT_EQ(StatusLine(ReadToEnd(fd)), "HTTP/1.1 200 OK");
  close(fd);
}

TEST(HealthServerStartTest, BusyPortNamesTheAddress) {
  const HealthChecks checks{HealthReport::Healthy, HealthReport::Healthy};
  auto first = HealthServer::Start("127.0.0.1:0", checks);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HealthServer::Start(address, checks);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("cannot serve health probes on " + address),
            std::string::npos)
      << second.status();
}

TEST(HealthServerStartTest, BothChecksAreRequired) {
  auto server = HealthServer::Start("127.0.0.1:0", {HealthReport::Healthy, nullptr});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest
