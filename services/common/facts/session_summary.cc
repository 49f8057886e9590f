#include "services/common/facts/session_summary.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "services/common/facts/payload_facts_extractor.h"

namespace ingest {
namespace {

constexpr int kEventTypeSlots = 8;

// 0 stands for "none" in the time fields of facts and summaries (see
// README.md): a pair of times is present when either is non-zero.
bool HasTimes(int64_t first_ms, int64_t last_ms) { return first_ms != 0 || last_ms != 0; }

// last - first for last >= first, saturated at int64's maximum.
int64_t LengthMs(int64_t first_ms, int64_t last_ms) {
  const uint64_t length = static_cast<uint64_t>(last_ms) - static_cast<uint64_t>(first_ms);
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  return length > kMax ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(length);
}

uint64_t AbsDiff(int64_t a, int64_t b) {
  return a >= b ? static_cast<uint64_t>(a) - static_cast<uint64_t>(b)
                : static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
}

bool JoinsCluster(const v1::RageClickCluster& cluster, const v1::Click& click,
                  const RageClickRule& rule) {
  if (rule.window_ms < 0 || rule.radius_px < 0) return false;
  if (AbsDiff(click.timestamp_ms(), cluster.start_ms()) > static_cast<uint64_t>(rule.window_ms)) {
    return false;
  }
  const int64_t dx = static_cast<int64_t>(click.x()) - cluster.x();
  const int64_t dy = static_cast<int64_t>(click.y()) - cluster.y();
  const int64_t r = rule.radius_px;
  if (dx > r || dx < -r || dy > r || dy < -r) return false;
  // |dx|, |dy| <= r < 2^31: the squares and their sum fit int64.
  return dx * dx + dy * dy <= r * r;
}

void FoldEventTimes(const v1::PayloadFacts& facts, v1::SessionSummary* summary) {
  if (!HasTimes(facts.first_event_ms(), facts.last_event_ms())) return;
  if (HasTimes(summary->first_event_ms(), summary->last_event_ms())) {
    summary->set_first_event_ms(std::min(summary->first_event_ms(), facts.first_event_ms()));
    summary->set_last_event_ms(std::max(summary->last_event_ms(), facts.last_event_ms()));
  } else {
    summary->set_first_event_ms(facts.first_event_ms());
    summary->set_last_event_ms(facts.last_event_ms());
  }
  summary->set_length_ms(LengthMs(summary->first_event_ms(), summary->last_event_ms()));
}

void FoldActivity(const v1::PayloadFacts& facts, v1::SessionSummary* summary) {
  summary->set_active_ms(summary->active_ms() + facts.active_ms());
  if (facts.interaction_count() == 0 ||
      !HasTimes(facts.first_interaction_ms(), facts.last_interaction_ms())) {
    return;
  }
  if (summary->last_interaction_ms() != 0) {
    summary->set_active_ms(summary->active_ms() + ActiveTimeBetween(summary->last_interaction_ms(),
                                                                    facts.first_interaction_ms()));
  }
  summary->set_last_interaction_ms(facts.last_interaction_ms());
}

void FoldPages(const v1::PayloadFacts& facts, v1::SessionSummary* summary) {
  for (const std::string& href : facts.pages()) {
    if (href == summary->exit_page()) continue;
    summary->set_pages_visited(summary->pages_visited() + 1);
    summary->set_exit_page(href);
    if (summary->landing_page().empty()) summary->set_landing_page(href);
  }
}

void FoldRageClicks(const v1::PayloadFacts& facts, const RageClickRule& rule,
                    v1::SessionSummary* summary) {
  for (const v1::Click& click : facts.clicks()) {
    v1::RageClickCluster* cluster = summary->mutable_open_cluster();
    if (cluster->clicks() > 0 && JoinsCluster(*cluster, click, rule)) {
      if (cluster->clicks() < std::numeric_limits<uint32_t>::max()) {
        cluster->set_clicks(cluster->clicks() + 1);
      }
    } else {
      cluster->set_start_ms(click.timestamp_ms());
      cluster->set_x(click.x());
      cluster->set_y(click.y());
      cluster->set_clicks(1);
    }
    if (rule.min_clicks > 0 && cluster->clicks() == static_cast<uint32_t>(rule.min_clicks)) {
      summary->set_rage_clicks(summary->rage_clicks() + 1);
    }
  }
}

void FoldCounts(const v1::PayloadFacts& facts, v1::SessionSummary* summary) {
  summary->set_event_count(summary->event_count() + facts.event_count());
  auto* by_type = summary->mutable_events_by_type();
  if (by_type->size() < kEventTypeSlots) by_type->Resize(kEventTypeSlots, 0);
  const int slots = std::min(facts.events_by_type_size(), kEventTypeSlots);
  for (int i = 0; i < slots; ++i) by_type->Set(i, by_type->Get(i) + facts.events_by_type(i));
  summary->set_interaction_count(summary->interaction_count() + facts.interaction_count());
  summary->set_clicks(summary->clicks() + facts.click_count());
  summary->set_console_errors(summary->console_errors() + facts.console_errors());
  summary->set_console_warnings(summary->console_warnings() + facts.console_warnings());
  summary->set_errors(summary->errors() + facts.errors());
  summary->set_resources(summary->resources() + facts.resources());
  summary->set_failed_resources(summary->failed_resources() + facts.failed_resources());
}

}  // namespace

void FoldPayloadFacts(uint64_t payload_id, const v1::PayloadFacts& facts,
                      const RageClickRule& rule, v1::SessionSummary* summary) {
  summary->set_payloads(summary->payloads() + 1);
  summary->set_last_payload_id(std::max(summary->last_payload_id(), payload_id));
  if (!facts.parsed()) {
    summary->set_unparsed_payloads(summary->unparsed_payloads() + 1);
    return;
  }
  FoldCounts(facts, summary);
  FoldEventTimes(facts, summary);
  FoldActivity(facts, summary);
  FoldPages(facts, summary);
  FoldRageClicks(facts, rule, summary);
}

v1::SessionSummary SummarizeSession(absl::Span<const IdentifiedFacts> payloads,
                                    const RageClickRule& rule) {
  v1::SessionSummary summary;
  for (const IdentifiedFacts& payload : payloads) {
    FoldPayloadFacts(payload.payload_id, *payload.facts, rule, &summary);
  }
  return summary;
}

}  // namespace ingest
