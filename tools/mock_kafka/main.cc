// mock_kafka: librdkafka's in-process mock cluster as a standalone process,
// for `./dev up --kafka=mock` (no JVM). Prints `bootstrap=HOST:PORT` once
// ready and serves until SIGTERM/SIGINT.

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "services/common/flags/usage.h"
#include "services/common/kafka/testing/mock_cluster.h"
#include "services/common/logging/log.h"
#include "services/common/server/shutdown_signal.h"

ABSL_FLAG(int, brokers, 1, "Number of mock brokers.");
ABSL_FLAG(int, partitions, 8, "Partitions of the ingest topics.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "Main topic to create (plus <topic>.dlq).");

int main(int argc, char** argv) {
  ingest::BlockShutdownSignals();
  ingest::ConfigureFlagUsage(
      "Runs librdkafka's mock Kafka cluster on loopback until SIGTERM.\n"
      "Usage: mock_kafka [--partitions=8] [--brokers=1]");
  absl::ParseCommandLine(argc, argv);
  ingest::log::Init("mock_kafka", ingest::log::Format::kText, ingest::log::Level::kWarn);
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const int partitions = absl::GetFlag(FLAGS_partitions);
  auto cluster = ingest::MockKafkaCluster::Start(
      absl::GetFlag(FLAGS_brokers), {{topic, partitions, 1, {}}, {topic + ".dlq", partitions, 1, {}}});
  if (!cluster.ok()) {
    std::fprintf(stderr, "mock_kafka: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  std::printf("bootstrap=%s\n", (*cluster)->bootstrap_servers().c_str());
  std::fflush(stdout);
  ingest::WaitForShutdownSignal();
  return 0;
}
