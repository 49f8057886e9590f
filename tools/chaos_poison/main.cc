// chaos_poison: the fault of `./dev chaos poison`. Produces malformed and
// conflicting records straight into the ingest topic (see poison_plan.h),
// waits until the worker has dealt with them, then checks the DLQ (reasons,
// order, bytes), quarantined_sessions and session_payloads. Prints one line:
//   chaos poison: poison_sessions=N dead_letters=F/E quarantined=Q/E stored_as_expected=S/N
// Exit 0 if everything is as expected, 1 if not, 2 on bad flags.

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/flags/usage.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/topic_reader.h"
#include "services/common/logging/log.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"
#include "tools/chaos_poison/dlq_check.h"
#include "tools/chaos_poison/poison_plan.h"

ABSL_FLAG(std::string, kafka_bootstrap, "", "Kafka bootstrap servers. Required.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "The ingest topic to poison.");
ABSL_FLAG(std::string, dlq_topic, "", "The workers' dead-letter topic; empty = <topic>.dlq.");
ABSL_FLAG(std::string, pg_dsn, "", "PostgreSQL of the workers. Required.");
ABSL_FLAG(std::string, project, "demo-project", "project_id of the poison sessions.");
ABSL_FLAG(int, malformed_sessions, 4, "Sessions with an undecodable record in the middle.");
ABSL_FLAG(int, conflicting_sessions, 2, "Sessions with a conflicting duplicate payload.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(120),
          "How long the worker gets to dead-letter, quarantine and store.");

namespace ingest::chaos {
namespace {

void Say(const std::string& line) { std::fprintf(stderr, "chaos_poison: %s\n", line.c_str()); }

absl::Status ProduceAll(const std::string& bootstrap, const std::string& topic,
                        const PoisonPlan& plan) {
  ASSIGN_OR_RETURN(auto producer, CreateRdKafkaProducer({.bootstrap_servers = bootstrap,
                                                         .client_id = "chaos-poison",
                                                         .delivery_timeout = absl::Seconds(30)}));
  absl::Mutex mutex;
  absl::Status first_error;
  for (const PoisonRecord& record : plan.records) {
    absl::Status status = producer->Produce(topic, record.key, record.value,
                                            [&](absl::StatusOr<RecordPosition> position) {
                                              absl::MutexLock lock(&mutex);
                                              if (!position.ok() && first_error.ok())
                                                first_error = position.status();
                                            });
    if (!status.ok()) return status;
  }
  RETURN_IF_ERROR(producer->Flush(absl::Seconds(60)));
  absl::MutexLock lock(&mutex);
  return first_error;
}

struct StoredReport {
  int quarantined = 0;
  int sessions_as_expected = 0;
};

absl::StatusOr<StoredReport> ReadStored(PgConnection& db, const PoisonPlan& plan) {
  std::vector<std::string> sessions;
  for (const auto& [session, ids] : plan.stored_payload_ids) sessions.push_back(session);
  const std::string array = ToPgTextArray(sessions);
  StoredReport report;
  auto quarantined = db.Query(
      "SELECT count(DISTINCT session_id) FROM quarantined_sessions WHERE session_id = ANY($1::text[])",
      {PgParam::Text(array)});
  if (!quarantined.ok()) return quarantined.status();
  report.quarantined = std::stoi(PQgetvalue(quarantined->get(), 0, 0));

  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(
          "SELECT session_id, payload_id FROM session_payloads WHERE session_id = ANY($1::text[]) "
          "AND chunk_index = 0 ORDER BY session_id, payload_id",
          {PgParam::Text(array)}));
  std::map<std::string, std::vector<uint64_t>> stored;
  for (int i = 0; i < PQntuples(rows.get()); ++i) {
    stored[PQgetvalue(rows.get(), i, 0)].push_back(std::stoull(PQgetvalue(rows.get(), i, 1)));
  }
  for (const auto& [session, ids] : plan.stored_payload_ids) {
    if (stored[session] == ids) ++report.sessions_as_expected;
  }
  return report;
}

int Run() {
  const std::string bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  const std::string topic = absl::GetFlag(FLAGS_topic);
  std::string dlq_topic = absl::GetFlag(FLAGS_dlq_topic);
  if (dlq_topic.empty()) dlq_topic = topic + ".dlq";
  if (bootstrap.empty() || absl::GetFlag(FLAGS_pg_dsn).empty()) {
    Say("--kafka_bootstrap and --pg_dsn are required");
    return 2;
  }
  const PoisonPlan plan =
      MakePoisonPlan({.project_id = absl::GetFlag(FLAGS_project),
                      .run_tag = absl::StrFormat("%x", absl::ToUnixSeconds(absl::Now())),
                      .malformed_sessions = absl::GetFlag(FLAGS_malformed_sessions),
                      .conflicting_sessions = absl::GetFlag(FLAGS_conflicting_sessions),
                      .received_at = absl::Now()});
  auto db = PgConnection::Connect(absl::GetFlag(FLAGS_pg_dsn), absl::Seconds(10));
  if (!db.ok()) {
    Say(absl::StrCat("cannot reach PostgreSQL: ", db.status().ToString()));
    return 2;
  }
  if (absl::Status status = ProduceAll(bootstrap, topic, plan); !status.ok()) {
    Say(absl::StrCat("producing the poison records failed: ", status.ToString()));
    return 1;
  }
  Say(absl::StrCat("produced ", plan.records.size(), " records of ", plan.letters.size(),
                   " poison sessions into ", topic));

  // Poll until the worker is done with them (or the deadline).
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_timeout);
  DeadLetterReport letters;
  StoredReport stored;
  const int sessions = static_cast<int>(plan.stored_payload_ids.size());
  const int quarantine_expected = static_cast<int>(plan.quarantined.size());
  while (true) {
    auto dlq = ReadTopicFromStart(bootstrap, dlq_topic, {.timeout = absl::Seconds(15)});
    if (dlq.ok()) {
      letters = CheckDeadLetters(plan, *dlq);
    } else {
      Say(absl::StrCat("reading ", dlq_topic, " failed, retrying: ", dlq.status().ToString()));
    }
    auto read = ReadStored(**db, plan);
    if (read.ok()) {
      stored = *read;
    } else {
      Say(absl::StrCat("reading PostgreSQL failed, retrying: ", read.status().ToString()));
      if (!(*db)->IsHealthy()) {
        if (auto again = PgConnection::Connect(absl::GetFlag(FLAGS_pg_dsn), absl::Seconds(5));
            again.ok()) {
          db = std::move(again);
        }
      }
    }
    const bool done = letters.ok() && stored.quarantined == quarantine_expected &&
                      stored.sessions_as_expected == sessions;
    if (done || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Seconds(2));  // polling interval of an external check
  }
  for (const std::string& problem : letters.problems) Say(problem);
  const bool ok = letters.ok() && stored.quarantined == quarantine_expected &&
                  stored.sessions_as_expected == sessions;
  std::printf(
      "chaos poison: poison_sessions=%d dead_letters=%d/%d quarantined=%d/%d "
      "stored_as_expected=%d/%d dlq_in_order_byte_identical=%s\n",
      sessions, letters.found, letters.expected, stored.quarantined, quarantine_expected,
      stored.sessions_as_expected, sessions, letters.ok() ? "yes" : "no");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace ingest::chaos

int main(int argc, char** argv) {
  ingest::ConfigureFlagUsage(
      "Injects malformed and conflicting records into the ingest topic and checks the "
      "DLQ, quarantine and stored payloads (./dev chaos poison).\n"
      "Usage: chaos_poison --kafka_bootstrap=HOST:PORT --pg_dsn=DSN [flags]");
  absl::ParseCommandLine(argc, argv);
  ingest::log::Init("chaos_poison", ingest::log::Format::kText, ingest::log::Level::kWarn);
  return ingest::chaos::Run();
}
