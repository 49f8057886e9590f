#include "services/common/http/listen_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ingest::http {
namespace {

// Enough for probes that arrive together from the kubelet; more wait in
// the kernel's queue anyway.
constexpr int kBacklog = 64;

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

absl::Status SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad listen address '", address, "': want HOST:PORT, e.g. 0.0.0.0:9103"));
  }
  absl::string_view host_part = absl::string_view(address).substr(0, colon);
  if (host_part.size() >= 2 && host_part.front() == '[' && host_part.back() == ']') {
    host_part = host_part.substr(1, host_part.size() - 2);
  }
  *host = std::string(host_part);
  *port = address.substr(colon + 1);
  return absl::OkStatus();
}

absl::Status SocketError(absl::string_view what, const std::string& address, int error) {
  if (error == EADDRINUSE) {
    return absl::UnavailableError(absl::StrCat(
        "address in use: ", address, " (another process listens there; pass another address)"));
  }
  return absl::UnavailableError(
      absl::StrCat("cannot ", what, " ", address, ": ", std::strerror(error)));
}

}  // namespace

absl::StatusOr<ListenSocket> Listen(const std::string& address) {
  std::string host;
  std::string port;
  if (absl::Status status = SplitHostPort(address, &host, &port); !status.ok()) return status;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &raw);
  if (gai != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve listen address ", address, ": ", gai_strerror(gai)));
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> info(raw);

  const int fd = socket(info->ai_family, info->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        info->ai_protocol);
  if (fd < 0) return SocketError("open a socket for", address, errno);
  // A restarted process must be able to bind while old connections sit in
  // TIME_WAIT; a live listener on the port still fails with EADDRINUSE.
  const int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, info->ai_addr, info->ai_addrlen) != 0 || listen(fd, kBacklog) != 0) {
    const int error = errno;
    close(fd);
    return SocketError("listen on", address, error);
  }
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_size) != 0) {
    const int error = errno;
    close(fd);
    return SocketError("read the bound port of", address, error);
  }
  const in_port_t net_port = bound.ss_family == AF_INET6
                                 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                 : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
  return ListenSocket{fd, ntohs(net_port)};
}

}  // namespace ingest::http
