#include "tools/bench_e2e/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

// Serves one connection with `answer` and records the request.
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    EXPECT_EQ(listen(fd_, 1), 0);
    thread_ = std::thread([this] {
      const int client = accept(fd_, nullptr, nullptr);
      char buffer[4096];
      const ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      if (n > 0) request_.assign(buffer, static_cast<size_t>(n));
      send(client, answer_.data(), answer_.size(), 0);
      close(client);
    });
  }
  ~OneShotServer() {
    Join();
    close(fd_);
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  const std::string& request() const { return request_; }

 private:
  std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string request_;
};

TEST(HttpGetTest, ReadsTheStatusAndTheBody) {
  absl::StatusOr<HttpResponse> response;
  std::string request;
  {
    OneShotServer server(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\nnot ready\n");
    response = HttpGet(server.address(), "/readyz", absl::Seconds(5));
    server.Join();
    request = server.request();
  }
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "not ready\n");
  EXPECT_EQ(request.rfind("GET /readyz HTTP/1.0\r\n", 0), 0u) << request;
}

TEST(HttpGetTest, NothingListeningIsUnavailable) {
  absl::StatusOr<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok()) << port.status();
  absl::StatusOr<HttpResponse> response =
      HttpGet(absl::StrCat("127.0.0.1:", *port), "/readyz", absl::Seconds(2));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
}

TEST(HttpGetTest, ABadAddressIsInvalid) {
  EXPECT_EQ(HttpGet("localhost", "/", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest::bench_e2e
