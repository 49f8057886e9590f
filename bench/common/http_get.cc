#include "bench/common/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<sockaddr_in> Loopback(absl::string_view host_port) {
  const std::pair<std::string, std::string> parts = absl::StrSplit(host_port, ':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  int port = 0;
  if (!absl::SimpleAtoi(parts.second, &port) || port <= 0 || port > 65535 ||
      inet_pton(AF_INET, parts.first.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("not an IPv4 HOST:PORT: ", host_port));
  }
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

}  // namespace

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url) {
  absl::string_view rest = url;
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("not an http://IPV4:PORT/PATH URL: \"", url, "\""));
  };
  if (!absl::ConsumePrefix(&rest, "http://")) return invalid();
  const size_t slash = rest.find('/');
  HttpUrl parsed{.host_port = std::string(rest.substr(0, slash)),
                 .path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash))};
  if (!Loopback(parsed.host_port).ok()) return invalid();
  return parsed;
}

absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& path,
                                     absl::Duration timeout) {
  ASSIGN_OR_RETURN(sockaddr_in address, Loopback(host_port));
  const Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "socket");
  // Bounds the connect, the send and each read.
  const timeval limit = absl::ToTimeval(timeout);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  const auto unavailable = [&](absl::string_view what) {
    return absl::UnavailableError(
        absl::StrCat(what, ": ", std::strerror(errno), ": http://", host_port, path));
  };
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return unavailable("no connection");
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", host_port, "\r\nConnection: close\r\n\r\n");
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return unavailable("send failed");
  }
  std::string response;
  char buffer[16384];
  ssize_t n = 0;
  while ((n = recv(fd.get(), buffer, sizeof(buffer), 0)) > 0) {
    response.append(buffer, static_cast<size_t>(n));
  }
  if (n < 0) return unavailable("read failed");
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  const size_t head_end = response.find("\r\n\r\n");
  const std::vector<absl::string_view> status_line =
      absl::StrSplit(absl::string_view(response).substr(0, response.find("\r\n")), ' ');
  HttpResponse result;
  if (status_line.size() < 2 || !absl::StartsWith(status_line[0], "HTTP/") ||
      !absl::SimpleAtoi(status_line[1], &result.status)) {
    return absl::InternalError(absl::StrCat("not an HTTP answer from http://", host_port, path));
  }
  if (head_end != std::string::npos) result.body = response.substr(head_end + 4);
  return result;
}

}  // namespace ingest::bench
