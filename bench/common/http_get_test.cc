#include "bench/common/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

// A listening socket on 127.0.0.1:0.
int Listen(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin_port);
  EXPECT_EQ(listen(fd, 1), 0);
  return fd;
}

// Serves one connection with `answer` and records the request.
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer) : answer_(std::move(answer)) {
    fd_ = Listen(&port_);
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

TEST(ParseHttpUrlTest, SplitsHostPortAndPath) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("http://127.0.0.1:9464/metrics");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host_port, "127.0.0.1:9464");
  EXPECT_EQ(url->path, "/metrics");
  url = ParseHttpUrl("http://127.0.0.1:80");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->path, "/");
}

TEST(ParseHttpUrlTest, RejectsWhatHttpGetCannotReach) {
  for (const char* url : {"", "127.0.0.1:9464/metrics", "https://127.0.0.1:9464/metrics",
                          "http://localhost:9464/metrics", "http://127.0.0.1/metrics",
                          "http://127.0.0.1:0/metrics", "http://127.0.0.1:70000/"}) {
    EXPECT_EQ(ParseHttpUrl(url).status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

TEST(HttpGetTest, ReadsTheStatusAndTheBody) {
  absl::StatusOr<HttpResponse> response;
  std::string request;
  {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nx_total 1\n");
    response = HttpGet(server.address(), "/metrics", absl::Seconds(5));
    server.Join();
    request = server.request();
  }
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "x_total 1\n");
  EXPECT_EQ(request.rfind("GET /metrics HTTP/1.0\r\n", 0), 0u) << request;
}

TEST(HttpGetTest, AnyStatusIsAResponse) {
  {
    OneShotServer server("HTTP/1.1 404 Not Found\r\n\r\n");
    const absl::StatusOr<HttpResponse> response =
        HttpGet(server.address(), "/nope", absl::Seconds(5));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(response->body, "");
  }
  {
    // A worker's /readyz before it is ready: the body comes with the error status.
    OneShotServer server(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\nnot ready\n");
    const absl::StatusOr<HttpResponse> response =
        HttpGet(server.address(), "/readyz", absl::Seconds(5));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 503);
    EXPECT_EQ(response->body, "not ready\n");
  }
}

TEST(HttpGetTest, SomethingElseThanHttpIsAnError) {
  OneShotServer server("SSH-2.0-OpenSSH\r\n");
  EXPECT_EQ(HttpGet(server.address(), "/", absl::Seconds(5)).status().code(),
            absl::StatusCode::kInternal);
}

TEST(HttpGetTest, NothingListeningIsUnavailable) {
  int port = 0;
  close(Listen(&port));  // bound, then released: nothing listens there now
  const absl::StatusOr<HttpResponse> response =
      HttpGet(absl::StrCat("127.0.0.1:", port), "/metrics", absl::Seconds(2));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
}

TEST(HttpGetTest, ABadAddressIsInvalid) {
  EXPECT_EQ(HttpGet("localhost", "/", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest::bench
