#include "client/cpp/testing/slow_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace ingest::client::testing {
namespace {

constexpr char kLoopbackPrefix[] = "127.0.0.1:";

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

std::unique_ptr<SlowLink> SlowLink::Start(const std::string& upstream,
                                          absl::Duration first_bytes_delay) {
  int upstream_port = 0;
  if (!absl::StartsWith(upstream, kLoopbackPrefix) ||
      !absl::SimpleAtoi(upstream.substr(sizeof(kLoopbackPrefix) - 1), &upstream_port)) {
    return nullptr;
  }
  std::unique_ptr<SlowLink> link(new SlowLink(upstream_port, first_bytes_delay));
  link->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (link->listen_fd_ < 0 || pipe2(link->wake_fds_, O_CLOEXEC) != 0) return nullptr;
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (bind(link->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(link->listen_fd_, 16) != 0 ||
      getsockname(link->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return nullptr;
  }
  link->address_ = absl::StrCat(kLoopbackPrefix, ntohs(addr.sin_port));
  link->acceptor_ = std::thread([raw = link.get()] { raw->AcceptLoop(); });
  return link;
}

SlowLink::~SlowLink() {
  std::vector<std::unique_ptr<Connection>> connections;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;  // cuts a held delay short
  }
  if (wake_fds_[1] >= 0) {
    const char byte = 0;
    while (write(wake_fds_[1], &byte, 1) < 0 && errno == EINTR) {
    }
  }
  if (acceptor_.joinable()) acceptor_.join();
  {
    absl::MutexLock lock(&mu_);
    connections = std::move(connections_);
  }
  // Wakes the pumps blocked in recv (they read an end) or send (EPIPE).
  for (const auto& connection : connections) {
    shutdown(connection->client_fd, SHUT_RDWR);
    shutdown(connection->server_fd, SHUT_RDWR);
  }
  for (const auto& connection : connections) {
    connection->to_server.join();
    connection->to_client.join();
    close(connection->client_fd);
    close(connection->server_fd);
  }
  for (int fd : {listen_fd_, wake_fds_[0], wake_fds_[1]}) {
    if (fd >= 0) close(fd);
  }
}

int SlowLink::connections() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(connections_.size());
}

void SlowLink::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int client_fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client_fd < 0) continue;
    const int server_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in upstream = Loopback(upstream_port_);
    if (server_fd < 0 ||
        connect(server_fd, reinterpret_cast<const sockaddr*>(&upstream), sizeof(upstream)) != 0) {
      if (server_fd >= 0) close(server_fd);
      close(client_fd);  // the client sees the server's refusal as a reset
      continue;
    }
    auto connection = std::make_unique<Connection>();
    connection->client_fd = client_fd;
    connection->server_fd = server_fd;
    connection->to_server = std::thread(
        [this, client_fd, server_fd] { Pump(client_fd, server_fd, /*delay_first=*/false); });
    connection->to_client = std::thread(
        [this, client_fd, server_fd] { Pump(server_fd, client_fd, /*delay_first=*/true); });
    absl::MutexLock lock(&mu_);
    connections_.push_back(std::move(connection));
  }
}

void SlowLink::Pump(int from, int to, bool delay_first) {
  char buffer[16 << 10];
  bool hold = delay_first;
  for (;;) {
    const ssize_t received = recv(from, buffer, sizeof(buffer), 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) break;
    if (hold) {
      hold = false;
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(&stopping_), absl::Now() + delay_);
    }
    if (!SendAll(to, buffer, static_cast<size_t>(received))) break;
  }
  shutdown(to, SHUT_WR);
}

}  // namespace ingest::client::testing
