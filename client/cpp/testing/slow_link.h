#pragma once

// SlowLink: a TCP relay on 127.0.0.1:0 in front of a server (a FakeGateway)
// that holds the first bytes the server sends on each connection for
// `first_bytes_delay` before passing them on — the slow round trip of a
// distant or busy gateway, seen by the client as a slow TCP + TLS + HTTP/2
// handshake. Everything else is relayed as it comes, half-closes included.
//
// Each accepted connection gets its own upstream connection and two threads
// (one per direction). The destructor closes every connection, cuts a held
// delay short and joins every thread.
//
// Thread-safe: its own threads relay; tests read connections() from theirs.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ingest::client::testing {

class SlowLink {
 public:
  // Relays to `upstream` ("127.0.0.1:PORT"); nullptr if the address is not
  // of that form or the listening socket cannot be made.
  static std::unique_ptr<SlowLink> Start(const std::string& upstream,
                                         absl::Duration first_bytes_delay);
  ~SlowLink();

  SlowLink(const SlowLink&) = delete;
  SlowLink& operator=(const SlowLink&) = delete;

  // "127.0.0.1:PORT" to give the client instead of the server's address.
  const std::string& address() const { return address_; }

  // Connections accepted so far.
  int connections() const;

 private:
  struct Connection {
    int client_fd = -1;
    int server_fd = -1;
    std::thread to_server;
    std::thread to_client;
  };

  SlowLink(int upstream_port, absl::Duration delay)
      : upstream_port_(upstream_port), delay_(delay) {}

  void AcceptLoop();
  // Copies `from` to `to` until `from` ends, then half-closes `to`; holds
  // the first bytes for delay_ when `delay_first` is set.
  void Pump(int from, int to, bool delay_first);

  const int upstream_port_;
  const absl::Duration delay_;
  std::string address_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // a pipe: written once to stop AcceptLoop
  std::thread acceptor_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest::client::testing
