// mock_kafka: librdkafka's in-process mock cluster as a standalone process,
// for `./dev up --kafka=mock` (no JVM). Prints `bootstrap=HOST:PORT` once
// ready and serves until SIGTERM/SIGINT.

#include <cstdio>
#include <optional>
#include <string>

#include "services/common/flags/cli.h"
#include "services/common/kafka/testing/mock_cluster.h"
#include "services/common/logging/log.h"
#include "services/common/server/shutdown_signal.h"

int main(int argc, char** argv) {
  ingest::BlockShutdownSignals();
  CLI::App app(
      "Runs librdkafka's mock Kafka cluster on loopback until SIGTERM.\n"
      "Usage: mock_kafka [--partitions=8] [--brokers=1]",
      "mock_kafka");
  int brokers = 1;
  int partitions = 8;
  std::string topic = "ingest.tasks";
  app.add_option("--brokers", brokers, "Number of mock brokers.")->capture_default_str();
  app.add_option("--partitions", partitions, "Partitions of the ingest topics.")
      ->capture_default_str();
  app.add_option("--topic", topic, "Main topic to create (plus <topic>.dlq).")
      ->capture_default_str();
  if (std::optional<int> exit = ingest::cli::Parse(app, argc, argv)) return *exit;
  ingest::log::Init("mock_kafka", ingest::log::Format::kText, ingest::log::Level::kWarn);
  auto cluster = ingest::MockKafkaCluster::Start(
      brokers, {{topic, partitions, 1, {}}, {topic + ".dlq", partitions, 1, {}}});
  if (!cluster.ok()) {
    std::fprintf(stderr, "mock_kafka: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  std::printf("bootstrap=%s\n", (*cluster)->bootstrap_servers().c_str());
  std::fflush(stdout);
  ingest::WaitForShutdownSignal();
  return 0;
}
