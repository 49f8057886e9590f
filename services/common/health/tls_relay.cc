#include "services/common/health/tls_relay.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/logging/log.h"

namespace ingest {
namespace {

void SetTimeouts(int fd, absl::Duration timeout) {
  const timeval value = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof(value));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof(value));
}

// A listening socket on `address` ("HOST:PORT" or "PORT"), or why not.
absl::StatusOr<int> Listen(const std::string& address) {
  const size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  const std::string port = colon == std::string::npos ? address : address.substr(colon + 1);
  host = std::string(absl::StripSuffix(absl::StripPrefix(host, "["), "]"));
  int number = 0;
  if (!absl::SimpleAtoi(port, &number) || number < 0 || number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("not a HOST:PORT address: \"", address, "\""));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int error =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      error != 0) {
    return absl::UnavailableError(absl::StrCat(gai_strerror(error), " (check the host)"));
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  const int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0) return absl::UnavailableError(std::strerror(errno));
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrCat(std::strerror(error), " (is the port in use? pass another address)"));
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t size = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size) != 0) return 0;
  if (bound.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
}

int ConnectToBackend(int port, absl::Duration timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  SetTimeouts(fd, timeout);
  sockaddr_in backend{};
  backend.sin_family = AF_INET;
  backend.sin_port = htons(static_cast<uint16_t>(port));
  backend.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&backend), sizeof(backend)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

int MillisecondsUntil(absl::Time deadline) {
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsRelay>> TlsRelay::Start(const std::string& address,
                                                          int backend_port,
                                                          ServingCertificate& certificate,
                                                          TlsRelayOptions options) {
  std::unique_ptr<TlsRelay> relay(new TlsRelay(backend_port, options));
  relay->context_ = SSL_CTX_new(TLS_server_method());
  if (relay->context_ == nullptr) return absl::InternalError("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(relay->context_, TLS1_2_VERSION);
  SSL_CTX_set_options(relay->context_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  certificate.ServeOn(relay->context_);

  absl::StatusOr<int> listener = Listen(address);
  if (!listener.ok()) {
    return absl::Status(
        listener.status().code(),
        absl::StrCat("cannot serve health probes on ", address, ": ", listener.status().message()));
  }
  relay->listener_ = *listener;
  relay->port_ = BoundPort(relay->listener_);
  for (int slot = 0; slot < options.connections; ++slot) {
    relay->threads_.emplace_back([raw = relay.get(), slot] { raw->AcceptLoop(slot); });
  }
  return relay;
}

TlsRelay::~TlsRelay() {
  stopping_.store(true);
  if (listener_ >= 0) shutdown(listener_, SHUT_RDWR);  // wakes accept()
  {
    absl::MutexLock lock(&mu_);
    for (const int client : active_) {
      if (client >= 0) shutdown(client, SHUT_RDWR);
    }
  }
  for (std::thread& thread : threads_) thread.join();
  if (listener_ >= 0) close(listener_);
  SSL_CTX_free(context_);
}

void TlsRelay::AcceptLoop(int slot) {
  // A peer gone while we write raises SIGPIPE in this thread: let the write
  // fail with EPIPE instead of the signal ending the process.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  while (!stopping_.load()) {
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_.load()) return;
      if (errno != EINTR && errno != ECONNABORTED) {
        // Out of file descriptors or memory: do not spin.
        absl::SleepFor(absl::Milliseconds(50));
      }
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_.load()) {
        close(client);
        return;
      }
      active_[slot] = client;
    }
    Serve(client);
    absl::MutexLock lock(&mu_);
    active_[slot] = -1;
    close(client);
  }
}

void TlsRelay::Serve(int client) {
  SetTimeouts(client, options_.timeout);
  const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context_), &SSL_free);
  if (ssl == nullptr || SSL_set_fd(ssl.get(), client) != 1) return;
  if (SSL_accept(ssl.get()) != 1) {
    LogHandshakeFailure();
    ERR_clear_error();
    return;
  }
  const int backend = ConnectToBackend(backend_port_, options_.timeout);
  if (backend >= 0) {
    Relay(ssl.get(), client, backend, absl::Now() + 2 * options_.timeout);
    close(backend);
  }
  SSL_shutdown(ssl.get());  // close_notify; the client may be gone already
  ERR_clear_error();
}

void TlsRelay::Relay(SSL* ssl, int client, int backend, absl::Time deadline) {
  char buffer[16 << 10];
  bool client_sending = true;
  for (;;) {
    // A negative fd is left out by poll(), hang-ups included.
    pollfd ready[2] = {{client_sending ? client : -1, POLLIN, 0}, {backend, POLLIN, 0}};
    // Bytes OpenSSL has already decrypted are not visible to poll().
    const bool buffered = client_sending && SSL_pending(ssl) > 0;
    if (!buffered && poll(ready, 2, MillisecondsUntil(deadline)) <= 0) return;  // timed out
    if (buffered || (ready[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const int read = SSL_read(ssl, buffer, sizeof(buffer));
      if (read <= 0) {
        // The client is done sending (or gone): let the backend see the end
        // of the request and finish its answer.
        client_sending = false;
        shutdown(backend, SHUT_WR);
      } else if (!SendAll(backend, buffer, static_cast<size_t>(read))) {
        return;
      }
    }
    if ((ready[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t read = recv(backend, buffer, sizeof(buffer), 0);
      if (read <= 0) return;  // answered: the backend closes every connection
      if (SSL_write(ssl, buffer, static_cast<int>(read)) != read) return;
    }
  }
}

void TlsRelay::LogHandshakeFailure() {
  std::optional<int64_t> suppressed = handshake_failures_log_.Admit("handshake");
  if (!suppressed.has_value()) return;
  char reason[256] = "the connection closed";
  if (const unsigned long error = ERR_peek_last_error(); error != 0) {
    ERR_error_string_n(error, reason, sizeof(reason));
  }
  log::Warn("health.tls_handshake_failed",
            {{"error", reason},
             {"suppressed", *suppressed},
             {"detail", "a client that does not trust the certificate, or not speaking TLS"}});
}

}  // namespace ingest
