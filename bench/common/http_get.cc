#include "bench/common/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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
#include "absl/time/clock.h"
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

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool WaitFor(int fd, short events, absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  if (ms <= 0) return false;
  pollfd entry{.fd = fd, .events = events, .revents = 0};
  return poll(&entry, 1, static_cast<int>(ms)) == 1;
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
  const absl::Time deadline = absl::Now() + timeout;
  const Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "socket");
  const auto unavailable = [&](absl::string_view what) {
    return absl::UnavailableError(absl::StrCat(what, " http://", host_port, path));
  };
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS) return unavailable(absl::StrCat(std::strerror(errno), ":"));
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return unavailable("no connection to");
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return unavailable(absl::StrCat(std::strerror(error), ":"));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", host_port, "\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return unavailable("timed out sending to");
    const ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return unavailable("send failed to");
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[16384];
  for (;;) {
    if (!WaitFor(fd.get(), POLLIN, deadline)) return unavailable("timed out reading");
    const ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return unavailable("read failed from");
    }
    response.append(buffer, static_cast<size_t>(n));
  }
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
