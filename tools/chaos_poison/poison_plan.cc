#include "tools/chaos_poison/poison_plan.h"

#include "absl/strings/str_cat.h"
#include "bench/worker/records.h"
#include "services/common/codec/task_codec.h"

namespace ingest::chaos {
namespace {

// Not a Task: 0xff is no valid protobuf tag, so decoding fails at byte 0.
std::string MalformedValue(const std::string& session_id) {
  return absl::StrCat(std::string(8, '\xff'), "poison for ", session_id);
}

std::string PayloadValue(const PoisonPlanOptions& options, const std::string& session_id,
                         uint64_t payload_id, absl::string_view variant) {
  v1::PayloadContent content;
  content.set_events(absl::StrCat("[{\"type\":3,\"session\":\"", session_id, "\",\"payload\":",
                                  payload_id, ",\"variant\":\"", variant, "\"}]"));
  return EncodeTask(bench_worker::PushPayloadTask(options.project_id, session_id, payload_id,
                                                  content, options.received_at));
}

}  // namespace

int PoisonPlan::expected_letter_count() const {
  int count = 0;
  for (const auto& [session, session_letters] : letters) {
    count += static_cast<int>(session_letters.size());
  }
  return count;
}

PoisonPlan MakePoisonPlan(const PoisonPlanOptions& options) {
  PoisonPlan plan;
  auto add = [&plan](const std::string& session, std::string value) {
    plan.records.push_back({session, value});
    return value;
  };
  for (int i = 0; i < options.malformed_sessions; ++i) {
    const std::string session =
        absl::StrCat(options.project_id, ".poison-", options.run_tag, "-malformed-", i);
    add(session, PayloadValue(options, session, 1, "a"));
    add(session, PayloadValue(options, session, 2, "a"));
    const std::string bad = add(session, MalformedValue(session));
    const std::string third = add(session, PayloadValue(options, session, 3, "a"));
    const std::string fourth = add(session, PayloadValue(options, session, 4, "a"));
    plan.letters[session] = {
        {"invalid_record", bad}, {"quarantined_session", third}, {"quarantined_session", fourth}};
    plan.stored_payload_ids[session] = {1, 2};
    plan.quarantined.push_back(session);
  }
  for (int i = 0; i < options.conflicting_sessions; ++i) {
    const std::string session =
        absl::StrCat(options.project_id, ".poison-", options.run_tag, "-conflicting-", i);
    add(session, PayloadValue(options, session, 1, "a"));
    const std::string conflicting = add(session, PayloadValue(options, session, 1, "b"));
    add(session, PayloadValue(options, session, 2, "a"));
    plan.letters[session] = {{"conflicting_duplicate", conflicting}};
    plan.stored_payload_ids[session] = {1, 2};
  }
  return plan;
}

}  // namespace ingest::chaos
