#include "services/common/http/health_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/http/http_message.h"
#include "services/common/http/listen_socket.h"
#include "services/common/logging/log.h"

namespace ingest {
namespace {

// After accept() fails for lack of descriptors the listening socket stays
// readable; pausing keeps the loop from spinning until one is freed.
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);

struct Connection {
  int fd;
  std::string received;
  absl::Time deadline;
  // The response is sent and our side shut down; input is read and dropped
  // until the client closes, so closing never resets a connection whose
  // response the client has not read yet (which would lose the response).
  bool draining = false;
};

std::string CheckResponse(const HealthCheck& check) {
  const HealthReport report = check();
  if (report.ok) return http::FormatResponse(200, "ok\n");
  return http::FormatResponse(503, absl::StrCat(report.reason.empty() ? "unhealthy" : report.reason,
                                                "\n"));
}

std::string Route(const HealthChecks& checks, const http::ParsedHead& parsed) {
  switch (parsed.status) {
    case http::HeadStatus::kTooLarge:
      return http::FormatResponse(431, "request head too large\n");
    case http::HeadStatus::kMalformed:
    case http::HeadStatus::kIncomplete:
      return http::FormatResponse(400, "bad request\n");
    case http::HeadStatus::kComplete:
      break;
  }
  const HealthCheck* check = parsed.head.path == "/livez"    ? &checks.liveness
                             : parsed.head.path == "/readyz" ? &checks.readiness
                                                             : nullptr;
  if (check == nullptr) return http::FormatResponse(404, "not found\n");
  if (parsed.head.method != "GET") {
    return http::FormatResponse(405, "method not allowed\n", "Allow: GET\r\n");
  }
  return CheckResponse(*check);
}

// Reads what `connection` has sent and answers once the head is complete.
// False when the connection is finished and should be closed.
bool OnReadable(Connection& connection, const HealthChecks& checks,
                const HealthServerOptions& options) {
  char buffer[4096];
  const ssize_t n = recv(connection.fd, buffer, sizeof(buffer), 0);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  if (n == 0) return false;
  if (connection.draining) return true;
  connection.received.append(buffer, static_cast<size_t>(n));
  const http::ParsedHead parsed =
      http::ParseRequestHead(connection.received, options.max_request_bytes);
  if (parsed.status == http::HeadStatus::kIncomplete) return true;
  // The response is a few hundred bytes and this is a fresh connection, so
  // it fits in the socket's send buffer: one non-blocking send suffices.
  const std::string response = Route(checks, parsed);
  (void)send(connection.fd, response.data(), response.size(), MSG_NOSIGNAL);
  shutdown(connection.fd, SHUT_WR);
  connection.draining = true;
  connection.received.clear();
  return true;
}

absl::Duration PollTimeout(const std::vector<Connection>& connections, absl::Time now,
                           absl::Time accept_paused_until) {
  absl::Time wake = absl::InfiniteFuture();
  for (const Connection& connection : connections) wake = std::min(wake, connection.deadline);
  if (accept_paused_until > now) wake = std::min(wake, accept_paused_until);
  return wake - now;
}

int ToPollMillis(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return -1;
  // Round up so the loop does not wake just before a deadline and spin.
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout) + 1));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HealthServer>> HealthServer::Start(const std::string& address,
                                                                  HealthChecks checks,
                                                                  HealthServerOptions options) {
  if (!checks.liveness || !checks.readiness) {
    return absl::InvalidArgumentError("health server needs both a liveness and a readiness check");
  }
  auto listening = http::Listen(address);
  if (!listening.ok()) return listening.status();
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    const int error = errno;
    close(listening->fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("health server on ", address, ": eventfd: ", std::strerror(error)));
  }
  return std::unique_ptr<HealthServer>(new HealthServer(std::move(checks), options, listening->fd,
                                                        wake_fd, listening->port));
}

HealthServer::HealthServer(HealthChecks checks, HealthServerOptions options, int listen_fd,
                           int wake_fd, int port)
    : checks_(std::move(checks)),
      options_(options),
      listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      port_(port),
      thread_([this] { Serve(); }) {}

HealthServer::~HealthServer() {
  // Adding 1 to a fresh eventfd cannot fail, so the join below cannot hang.
  (void)eventfd_write(wake_fd_, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void HealthServer::Serve() {
  std::vector<Connection> connections;
  std::vector<pollfd> fds;
  absl::Time accept_paused_until = absl::InfinitePast();
  for (;;) {
    absl::Time now = absl::Now();
    const bool accepting = static_cast<int>(connections.size()) < options_.max_connections &&
                           accept_paused_until <= now;
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});  // poll() skips a negative fd
    for (const Connection& connection : connections) fds.push_back({connection.fd, POLLIN, 0});
    const int ready = poll(fds.data(), fds.size(),
                           ToPollMillis(PollTimeout(connections, now, accept_paused_until)));
    if (ready < 0 && errno != EINTR) {
      log::Error("health.poll_failed", {{"port", port_}, {"error", std::strerror(errno)}});
      break;
    }
    if (ready > 0 && fds[0].revents != 0) break;  // the destructor asked us to stop

    now = absl::Now();
    for (size_t i = 0; i < connections.size(); ++i) {
      Connection& connection = connections[i];
      const bool has_input = ready > 0 && fds[i + 2].revents != 0;
      // The deadline covers the whole connection, so a client trickling
      // bytes cannot hold it open either.
      bool open = connection.deadline > now;
      if (open && has_input) open = OnReadable(connection, checks_, options_);
      if (!open) {
        close(connection.fd);
        connection.fd = -1;
      }
    }
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [](const Connection& c) { return c.fd < 0; }),
                      connections.end());

    while (ready > 0 && (fds[1].revents & POLLIN) != 0 &&
           static_cast<int>(connections.size()) < options_.max_connections) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        connections.push_back({fd, "", now + options_.read_timeout});
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        log::Warn("health.accept_failed", {{"port", port_}, {"error", std::strerror(errno)}});
        accept_paused_until = now + kAcceptPause;
      }
      break;  // EAGAIN: accepted everything queued; others: the client went away
    }
  }
  for (const Connection& connection : connections) close(connection.fd);
}

}  // namespace ingest
