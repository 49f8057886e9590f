#pragma once

// Opens a non-blocking TCP listening socket on "HOST:PORT" for the small
// HTTP servers in this package. Kept apart from the servers so each error
// message about addresses is written once and names the address.

#include <string>

#include "absl/status/statusor.h"

namespace ingest::http {

// A listening socket and the port it is bound to.
struct ListenSocket {
  int fd = -1;
  int port = 0;
};

// Binds and listens on `address`: "HOST:PORT", "[IPV6]:PORT" or ":PORT"
// (all interfaces); port 0 picks a free port. The socket is non-blocking and
// close-on-exec; the caller owns `fd`. Errors name the address, e.g.
// "address in use: 0.0.0.0:9103 ...".
absl::StatusOr<ListenSocket> Listen(const std::string& address);

}  // namespace ingest::http
