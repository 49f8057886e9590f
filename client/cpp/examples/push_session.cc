// Starts a session, pushes payloads and a 50 MB one (streamed), and keeps
// going across a gateway restart on the SDK's retry policy alone.
//   bazel run //client/cpp/examples:push_session -- --gateway=127.0.0.1:8080 --api_key=KEY

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "client/cpp/client.h"

ABSL_FLAG(std::string, gateway, "127.0.0.1:8080", "gateway HOST:PORT");
ABSL_FLAG(std::string, api_key, "", "the project's API key");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  ingest::client::ClientOptions options;
  options.targets = {absl::GetFlag(FLAGS_gateway)};
  options.api_key = absl::GetFlag(FLAGS_api_key);
  auto client = ingest::client::Client::Create(options);
  if (!client.ok()) return std::cerr << client.status() << "\n", 2;
  auto session = (*client)->StartSession();
  if (!session.ok()) return std::cerr << session.status() << "\n", 1;
  for (int i = 0; i < 60; ++i) {
    ingest::v1::PayloadContent content;
    content.set_events(std::string(i == 30 ? 50'000'000 : 10'000, 'x'));  // #30 streams
    auto result = (*session)->Push(std::move(content));
    if (!result.ok()) return std::cerr << result.status() << "\n", 1;
    std::cout << "payload " << result->payload_id << " partition " << result->partition
              << " offset " << result->offset << (result->streamed ? " (streamed)" : "")
              << " attempts " << result->attempts << "\n";
  }
}
