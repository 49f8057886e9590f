#include "services/common/http/listen_socket.h"

#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace ingest::http {
namespace {

TEST(ListenTest, PortZeroPicksAFreePort) {
  auto socket = Listen("127.0.0.1:0");
  ASSERT_TRUE(socket.ok()) << socket.status();
  EXPECT_GT(socket->port, 0);
  close(socket->fd);
}

TEST(ListenTest, EmptyHostMeansAllInterfaces) {
  auto socket = Listen(":0");
  ASSERT_TRUE(socket.ok()) << socket.status();
  close(socket->fd);
}

TEST(ListenTest, BusyPortSaysAddressInUseAndNamesIt) {
  auto first = Listen("127.0.0.1:0");
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string address = "127.0.0.1:" + std::to_string(first->port);
  auto second = Listen(address);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("address in use: " + address), std::string::npos)
      << second.status();
  close(first->fd);
}

TEST(ListenTest, MalformedAddressesAreNamed) {
  for (const char* address : {"9103", "127.0.0.1:", "127.0.0.1:http"}) {
    auto socket = Listen(address);
    ASSERT_FALSE(socket.ok()) << address;
    EXPECT_EQ(socket.status().code(), absl::StatusCode::kInvalidArgument) << socket.status();
    EXPECT_NE(socket.status().message().find(address), std::string::npos) << socket.status();
  }
}

}  // namespace
}  // namespace ingest::http
