#include "tools/chaos_poison/poison_run.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/flags/cli.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/topic_reader.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"
#include "tools/chaos_poison/dlq_check.h"
#include "tools/chaos_poison/poison_plan.h"

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
    RETURN_IF_ERROR(producer->Produce(topic, record.key, record.value,
                                      [&](absl::StatusOr<RecordPosition> position) {
                                        absl::MutexLock lock(&mutex);
                                        if (!position.ok() && first_error.ok())
                                          first_error = position.status();
                                      }));
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
  ASSIGN_OR_RETURN(auto quarantined,
                   db.Query("SELECT count(DISTINCT session_id) FROM quarantined_sessions "
                            "WHERE session_id = ANY($1::text[])",
                            {PgParam::Text(array)}));
  report.quarantined = std::stoi(PQgetvalue(quarantined.get(), 0, 0));

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

}  // namespace

std::optional<int> ParsePoisonOptions(int argc, char** argv, PoisonOptions& o) {
  CLI::App app(
      "Injects malformed and conflicting records into the ingest topic and checks the DLQ, "
      "quarantine and stored payloads (./dev chaos poison).\n"
      "Exit code: 0 everything as expected, 1 not, 2 bad flags or PostgreSQL unreachable.",
      "chaos_poison");
  app.add_option("--kafka_bootstrap", o.kafka_bootstrap, "Kafka bootstrap servers.")->required();
  app.add_option("--topic", o.topic, "The ingest topic to poison.")->capture_default_str();
  app.add_option("--dlq_topic", o.dlq_topic,
                 "The workers' dead-letter topic; empty = <topic>.dlq.");
  app.add_option("--pg_dsn", o.pg_dsn, "PostgreSQL of the workers.")->required();
  app.add_option("--project", o.project_id, "project_id of the poison sessions.")
      ->capture_default_str();
  app.add_option("--malformed_sessions", o.malformed_sessions,
                 "Sessions with an undecodable record in the middle.")
      ->capture_default_str();
  app.add_option("--conflicting_sessions", o.conflicting_sessions,
                 "Sessions with a conflicting duplicate payload.")
      ->capture_default_str();
  cli::AddDuration(app, "--timeout", o.timeout,
                   "How long the worker gets to dead-letter, quarantine and store.");
  if (std::optional<int> exit = cli::Parse(app, argc, argv)) return exit;
  if (o.dlq_topic.empty()) o.dlq_topic = o.topic + ".dlq";
  return std::nullopt;
}

int RunPoison(const PoisonOptions& options) {
  const PoisonPlan plan =
      MakePoisonPlan({.project_id = options.project_id,
                      .run_tag = absl::StrFormat("%x", absl::ToUnixSeconds(absl::Now())),
                      .malformed_sessions = options.malformed_sessions,
                      .conflicting_sessions = options.conflicting_sessions,
                      .received_at = absl::Now()});
  auto db = PgConnection::Connect(options.pg_dsn, absl::Seconds(10));
  if (!db.ok()) {
    Say(absl::StrCat("cannot reach PostgreSQL: ", db.status().ToString()));
    return 2;  // like bad flags: the stack is not usable
  }
  if (absl::Status status = ProduceAll(options.kafka_bootstrap, options.topic, plan);
      !status.ok()) {
    Say(absl::StrCat("producing the poison records failed: ", status.ToString()));
    return 1;
  }
  Say(absl::StrCat("produced ", plan.records.size(), " records of ", plan.letters.size(),
                   " poison sessions into ", options.topic));

  // Poll until the worker is done with them (or the deadline).
  const absl::Time deadline = absl::Now() + options.timeout;
  DeadLetterReport letters;
  StoredReport stored;
  const int sessions = static_cast<int>(plan.stored_payload_ids.size());
  const int quarantine_expected = static_cast<int>(plan.quarantined.size());
  auto done = [&] {
    return letters.ok() && stored.quarantined == quarantine_expected &&
           stored.sessions_as_expected == sessions;
  };
  while (true) {
    auto dlq = ReadTopicFromStart(options.kafka_bootstrap, options.dlq_topic,
                                  {.timeout = absl::Seconds(15)});
    if (dlq.ok()) {
      letters = CheckDeadLetters(plan, *dlq);
    } else {
      Say(absl::StrCat("reading ", options.dlq_topic,
                       " failed, retrying: ", dlq.status().ToString()));
    }
    auto read = ReadStored(**db, plan);
    if (read.ok()) {
      stored = *read;
    } else {
      Say(absl::StrCat("reading PostgreSQL failed, retrying: ", read.status().ToString()));
      if (!(*db)->IsHealthy()) {
        if (auto again = PgConnection::Connect(options.pg_dsn, absl::Seconds(5)); again.ok()) {
          db = std::move(again);
        }
      }
    }
    if (done() || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Seconds(2));  // polling interval of an external check
  }
  for (const std::string& problem : letters.problems) Say(problem);
  std::printf(
      "chaos poison: poison_sessions=%d dead_letters=%d/%d quarantined=%d/%d "
      "stored_as_expected=%d/%d dlq_in_order_byte_identical=%s\n",
      sessions, letters.found, letters.expected, stored.quarantined, quarantine_expected,
      stored.sessions_as_expected, sessions, letters.ok() ? "yes" : "no");
  return done() ? 0 : 1;
}

}  // namespace ingest::chaos
