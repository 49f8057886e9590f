// Pushes a session of 60 payloads, one of 50 MB (streamed), riding out a
// gateway restart on the retry policy alone.
//   bazel run //client/cpp/examples:push_session -- HOST:PORT API_KEY
#include <iostream>

#include "client/cpp/client.h"

int main(int argc, char** argv) {
  if (argc != 3) return std::cerr << "usage: push_session HOST:PORT API_KEY\n", 2;
  auto client = ingest::client::Client::Create({.targets = {argv[1]}, .api_key = argv[2]});
  if (!client.ok()) return std::cerr << client.status() << "\n", 2;
  auto session = (*client)->StartSession();
  if (!session.ok()) return std::cerr << session.status() << "\n", 1;
  for (int i = 1; i <= 60; ++i) {
    ingest::v1::PayloadContent content;
    content.set_events(std::string(i == 31 ? 50'000'000 : 10'000, 'x'));
    auto result = (*session)->Push(std::move(content));
    if (!result.ok()) return std::cerr << result.status() << "\n", 1;
    std::cout << "payload " << result->payload_id << (result->streamed ? " (streamed)" : "")
              << " attempts " << result->attempts << "\n";
  }
}
