#include "tools/loadgen/payload_factory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/io/coded_stream.h"
#include "services/common/facts/payload_facts_extractor.h"

namespace ingest::loadgen {
namespace {

using google::protobuf::io::CodedOutputStream;

// Independent pseudo-random streams derived from the same coordinates.
enum class Stream : uint64_t {
  kSize = 1,
  kContent = 2,
  kTimeline = 3,  // the payload's idle pause
  kSession = 4,   // per session (payload_id 0): start time, temper
  kBoundary = 5,  // per boundary between payloads k and k+1 (payload_id k)
};

uint64_t Mix(uint64_t z) {  // splitmix64 finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// splitmix64: tiny, fast and good enough for synthetic data. Not a CSPRNG.
class Rng {
 public:
  Rng(uint64_t seed, int session_index, uint64_t payload_id, Stream stream)
      : state_(Mix(Mix(Mix(seed + 0x9e3779b97f4a7c15ULL) ^ static_cast<uint64_t>(session_index)) ^
                   payload_id) ^
               static_cast<uint64_t>(stream)) {}

  uint64_t Next() { return Mix(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, n); the modulo bias is irrelevant for synthetic data.
  uint64_t Below(uint64_t n) { return Next() % n; }
  int64_t Between(int64_t lo, int64_t hi) {  // [lo, hi]
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  // Uniform in [0, 1) with 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }
  // One of `items`, uniformly.
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

constexpr const char* kWords[] = {
    "checkout", "cart",     "button", "submit", "profile", "search",   "results", "loading",
    "error",    "retry",    "modal",  "close",  "open",    "item",     "price",   "total",
    "user",     "settings", "save",   "cancel", "next",    "previous", "page",    "menu",
    "home",     "account",  "login",  "logout", "welcome", "banner",   "footer",  "header"};

// The pages Meta events point at.
constexpr const char* kPages[] = {"https://app.example/",        "https://app.example/search",
                                  "https://app.example/cart",    "https://app.example/checkout",
                                  "https://app.example/account", "https://app.example/settings"};

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendWords(Rng& rng, uint64_t words, std::string& out) {
  for (uint64_t i = 0; i < words; ++i) {
    if (i > 0) out.push_back(' ');
    out.append(rng.Pick(kWords));
  }
}

void AppendBase64(Rng& rng, uint64_t chars, std::string& out) {
  for (uint64_t i = 0; i < chars; ++i) out.push_back(kBase64[rng.Below(sizeof(kBase64) - 1)]);
}

// --- time --------------------------------------------------------------------

// Offsets inside a payload's window: head events and the head of a click
// burst begun in the previous payload come first, the tail of a burst that
// the next payload finishes and the padding event last; the body's events
// spread over the rest in proportion to their byte offset.
constexpr int64_t kHeadMs = 1'000;
constexpr int64_t kTailMs = 1'000;
constexpr int64_t kPadOffsetMs = 100;  // before the window's end

int64_t SessionStartMs(uint64_t seed, int session_index) {
  Rng rng(seed, session_index, 0, Stream::kSession);
  return 1'700'000'000'000 + static_cast<int64_t>(rng.Below(1'000'000'000));
}

// A third of the sessions click in rage-click bursts.
bool IsFrustrated(uint64_t seed, int session_index) {
  Rng rng(seed, session_index, 0, Stream::kSession);
  rng.Next();  // the start time's draw
  return rng.OneIn(3);
}

// The recording time of one payload.
struct Timeline {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // A pause of idle_ms (0: none) once a fraction idle_at of the body's bytes
  // is written.
  double idle_at = 1.0;
  int64_t idle_ms = 0;

  int64_t body_start() const { return start_ms + kHeadMs; }
  int64_t body_end() const { return end_ms - kTailMs; }
  int64_t pad_ms() const { return end_ms - kPadOffsetMs; }

  // The body's time at a fraction `at` of its bytes.
  int64_t BodyTime(double at) const {
    const double moving = static_cast<double>(body_end() - body_start() - idle_ms);
    return body_start() + static_cast<int64_t>(at * moving) + (at >= idle_at ? idle_ms : 0);
  }
};

Timeline TimelineFor(uint64_t seed, int session_index, uint64_t payload_id) {
  Timeline timeline;
  timeline.start_ms = SessionStartMs(seed, session_index) +
                      static_cast<int64_t>(payload_id - 1) * PayloadFactory::kPayloadSpanMs;
  timeline.end_ms = timeline.start_ms + PayloadFactory::kPayloadSpanMs;
  Rng rng(seed, session_index, payload_id, Stream::kTimeline);
  if (rng.Below(10) < 3) {
    timeline.idle_at = 0.2 + 0.6 * rng.Unit();
    timeline.idle_ms = rng.Between(kActivityGapMs + 500, kActivityGapMs + 15'000);
  }
  return timeline;
}

// A click burst split by the boundary after payload `payload_id`: its first
// clicks end that payload, the rest start the next one.
struct BoundaryBurst {
  bool present = false;
  int x = 0;
  int y = 0;
  int tail_clicks = 0;  // in payload `payload_id`
  int head_clicks = 0;  // in payload `payload_id` + 1
};

BoundaryBurst BoundaryBurstAfter(uint64_t seed, int session_index, uint64_t payload_id) {
  BoundaryBurst burst;
  if (payload_id == 0 || !IsFrustrated(seed, session_index)) return burst;
  Rng rng(seed, session_index, payload_id, Stream::kBoundary);
  if (!rng.OneIn(4)) return burst;
  burst.present = true;
  burst.x = static_cast<int>(rng.Between(40, 1880));
  burst.y = static_cast<int>(rng.Between(40, 1040));
  burst.tail_clicks = static_cast<int>(rng.Between(2, 3));
  burst.head_clicks = static_cast<int>(rng.Between(3, 4));
  return burst;
}

// --- events ------------------------------------------------------------------

// One rrweb event: its JSON and what its facts need.
struct Event {
  std::string json;
  int type = 0;
  int64_t timestamp_ms = 0;
  bool interaction = false;
  bool click = false;
  int x = 0;
  int y = 0;
  std::string href;  // Meta only
};

// {"type":TYPE,"timestamp":TS,"data":{DATA}}: `data` holds the fields of the
// event's data object.
Event RrwebEvent(int type, int64_t ts, absl::string_view data) {
  return {
      .json = absl::StrCat(R"({"type":)", type, R"(,"timestamp":)", ts, R"(,"data":{)", data, "}}"),
      .type = type,
      .timestamp_ms = ts};
}

Event MetaEvent(int64_t ts, absl::string_view href) {
  Event event =
      RrwebEvent(4, ts, absl::StrCat(R"("href":")", href, R"(","width":1920,"height":1080)"));
  event.href = std::string(href);
  return event;
}

// A DOM of about `bytes` bytes: a list of divs with words.
Event FullSnapshotEvent(Rng& rng, int64_t ts, size_t bytes) {
  std::string json = absl::StrCat(
      R"({"type":2,"timestamp":)", ts,
      R"(,"data":{"node":{"type":0,"childNodes":[{"type":1,"name":"html","publicId":"",)"
      R"("systemId":"","id":2},{"type":2,"tagName":"html","attributes":{},"childNodes":[)");
  int id = 3;
  for (bool first = true; first || json.size() < bytes; first = false) {
    if (!first) json.push_back(',');
    absl::StrAppend(&json, R"({"type":2,"tagName":"div","attributes":{"class":")", rng.Pick(kWords),
                    R"("},"childNodes":[{"type":3,"textContent":")");
    AppendWords(rng, 2 + rng.Below(8), json);
    absl::StrAppend(&json, R"(","id":)", id + 1, R"(}],"id":)", id, "}");
    id += 2;
  }
  absl::StrAppend(&json, R"(],"id":3}],"id":1},"initialOffset":{"left":0,"top":)", rng.Below(400),
                  "}}}");
  return {.json = std::move(json), .type = 2, .timestamp_ms = ts};
}

Event IncrementalEvent(int64_t ts, int source, absl::string_view data_rest, bool interaction) {
  Event event = RrwebEvent(3, ts, absl::StrCat(R"("source":)", source, data_rest));
  event.interaction = interaction;
  return event;
}

// rrweb MouseInteraction: 0 MouseUp, 1 MouseDown, 2 Click.
Event MouseInteractionEvent(int64_t ts, int kind, int x, int y, uint64_t id) {
  Event event = IncrementalEvent(
      ts, 2, absl::StrCat(R"(,"type":)", kind, R"(,"id":)", id, R"(,"x":)", x, R"(,"y":)", y),
      /*interaction=*/true);
  event.click = kind == 2;
  event.x = x;
  event.y = y;
  return event;
}

// Clicks of a burst, `count` of them around (x, y) (within 2 px on each
// axis, so within the rage-click radius of each other), `step_ms` apart from
// `ts` on, but never later than `last_ms`.
std::vector<Event> BurstClicks(int count, int x, int y, int64_t ts, int64_t step_ms,
                               int64_t last_ms, Rng& rng) {
  std::vector<Event> clicks;
  const uint64_t id = rng.Below(400);
  for (int i = 0; i < count; ++i) {
    clicks.push_back(MouseInteractionEvent(std::min(ts + i * step_ms, last_ms), 2,
                                           x + static_cast<int>(rng.Between(-2, 2)),
                                           y + static_cast<int>(rng.Between(-2, 2)), id));
  }
  return clicks;
}

Event PadEvent(int64_t ts, absl::string_view padding) {
  return RrwebEvent(5, ts, absl::StrCat(R"("tag":"loadgen-padding","payload":")", padding, "\""));
}

// Records the facts of events as they are accepted.
class FactsRecorder {
 public:
  explicit FactsRecorder(ingest::v1::PayloadFacts* facts) : facts_(facts) {
    facts_->set_parsed(true);
    for (int i = 0; i < 8; ++i) facts_->add_events_by_type(0);
  }

  void Add(const Event& event) {
    if (facts_->event_count() == 0) {
      facts_->set_first_event_ms(event.timestamp_ms);
      facts_->set_last_event_ms(event.timestamp_ms);
    }
    facts_->set_event_count(facts_->event_count() + 1);
    const int index = event.type >= 0 && event.type <= 6 ? event.type : 7;
    facts_->set_events_by_type(index, facts_->events_by_type(index) + 1);
    facts_->set_first_event_ms(std::min(facts_->first_event_ms(), event.timestamp_ms));
    facts_->set_last_event_ms(std::max(facts_->last_event_ms(), event.timestamp_ms));
    if (event.interaction) {
      if (facts_->interaction_count() == 0) {
        facts_->set_first_interaction_ms(event.timestamp_ms);
      } else {
        const int64_t gap = event.timestamp_ms - facts_->last_interaction_ms();
        if (gap >= 0 && gap <= kActivityGapMs) facts_->set_active_ms(facts_->active_ms() + gap);
      }
      facts_->set_interaction_count(facts_->interaction_count() + 1);
      facts_->set_last_interaction_ms(event.timestamp_ms);
    }
    if (event.click) {
      facts_->set_click_count(facts_->click_count() + 1);
      if (facts_->clicks_size() < kMaxClicksInFacts) {
        ingest::v1::Click* click = facts_->add_clicks();
        click->set_timestamp_ms(event.timestamp_ms);
        click->set_x(event.x);
        click->set_y(event.y);
      }
    }
    if (event.type == 4 &&
        (facts_->pages().empty() || facts_->pages(facts_->pages_size() - 1) != event.href)) {
      facts_->add_pages(event.href);
    }
  }

 private:
  ingest::v1::PayloadFacts* facts_;
};

// The bytes `group` takes in the array, each event with its comma.
size_t BytesOf(absl::Span<const Event> group) {
  size_t bytes = 0;
  for (const Event& event : group) bytes += event.json.size() + 1;
  return bytes;
}

// Writes the `events` array of exactly `length` bytes: events while they fit,
// then a padding event at `pad_ms` that fills the rest.
class EventsWriter {
 public:
  EventsWriter(size_t length, int64_t pad_ms, FactsRecorder& facts)
      : length_(length),
        pad_ms_(pad_ms),
        pad_min_(PadEvent(pad_ms, "").json.size()),
        facts_(facts) {
    out_.reserve(length);
    out_.push_back('[');
  }

  size_t size() const { return out_.size(); }

  // Whether `group` fits with `reserve` bytes kept for later events.
  bool Fits(absl::Span<const Event> group, size_t reserve) const {
    return out_.size() + BytesOf(group) + reserve + pad_min_ + 1 <= length_;
  }

  // Appends the whole group if it fits; false (and nothing written) otherwise.
  bool TryAdd(absl::Span<const Event> group, size_t reserve) {
    if (!Fits(group, reserve)) return false;
    for (const Event& event : group) {
      out_.append(event.json);
      out_.push_back(',');
      facts_.Add(event);
    }
    return true;
  }

  // The padding event and the closing bracket; the array is then exactly
  // `length` bytes.
  std::string Finish(Rng& rng) && {
    std::string padding;
    AppendBase64(rng, length_ - out_.size() - pad_min_ - 1, padding);
    const Event pad = PadEvent(pad_ms_, padding);
    out_.append(pad.json);
    out_.push_back(']');
    facts_.Add(pad);
    return std::move(out_);
  }

 private:
  const size_t length_;
  const int64_t pad_ms_;
  const size_t pad_min_;
  FactsRecorder& facts_;
  std::string out_;
};

// The body's events, one (or a group) at a time, timed by byte offset.
class BodyEvents {
 public:
  BodyEvents(Rng& rng, const Timeline& timeline, size_t length, bool frustrated, int64_t cursor_ms)
      : rng_(rng),
        timeline_(timeline),
        length_(static_cast<double>(length)),
        frustrated_(frustrated),
        cursor_ms_(cursor_ms) {}

  // The next event or group (a click with its mouse down and up, a burst),
  // starting at byte `offset` of the array.
  std::vector<Event> Next(size_t offset) {
    Advance(timeline_.BodyTime(static_cast<double>(offset) / length_));
    const int64_t ts = cursor_ms_;
    const uint64_t kind = rng_.Below(1000);
    if (kind < 520) return {MouseMove(ts)};
    if (kind < 760) return {Mutation(ts)};
    if (kind < 860) return {Blob(ts)};
    if (kind < 900) {
      return {IncrementalEvent(
          ts, 3, absl::StrCat(R"(,"id":)", rng_.Below(400), R"(,"x":0,"y":)", rng_.Below(20'000)),
          /*interaction=*/true)};
    }
    if (kind < 930) {
      std::string text;
      AppendWords(rng_, 1 + rng_.Below(3), text);
      return {IncrementalEvent(
          ts, 5,
          absl::StrCat(R"(,"text":")", text, R"(","isChecked":false,"id":)", rng_.Below(400)),
          /*interaction=*/true)};
    }
    if (kind < 970) return Click(ts);
    if (kind < 985) return {ConsolePlugin(ts)};
    if (kind < 993) {
      return {IncrementalEvent(ts, 4,
                               absl::StrCat(R"(,"width":)", 800 + rng_.Below(1120), R"(,"height":)",
                                            600 + rng_.Below(480)),
                               /*interaction=*/false)};
    }
    if (frustrated_) return Burst(ts);
    return {MouseMove(ts)};
  }

 private:
  // Time never goes back, and the body stays inside its part of the window.
  void Advance(int64_t to_ms) {
    cursor_ms_ = std::min(std::max(cursor_ms_, to_ms), timeline_.body_end());
  }

  Event MouseMove(int64_t ts) {
    std::string rest = R"(,"positions":[)";
    const uint64_t positions = 1 + rng_.Below(3);
    for (uint64_t i = 0; i < positions; ++i) {
      if (i > 0) rest.push_back(',');
      absl::StrAppend(&rest, R"({"x":)", rng_.Below(1920), R"(,"y":)", rng_.Below(1080),
                      R"(,"id":)", rng_.Below(400), R"(,"timeOffset":-)", rng_.Below(500), "}");
    }
    rest.push_back(']');
    return IncrementalEvent(ts, 1, rest, /*interaction=*/true);
  }

  Event Mutation(int64_t ts) {
    std::string rest =
        absl::StrCat(R"(,"adds":[{"parentId":)", rng_.Below(5000), R"(,"node":{"type":3,"id":)",
                     rng_.Below(100000), R"(,"textContent":")");
    AppendWords(rng_, 3 + rng_.Below(10), rest);
    rest.append("\"}}]");
    return IncrementalEvent(ts, 0, rest, /*interaction=*/false);
  }

  Event Blob(int64_t ts) {
    std::string data = R"("tag":"canvas","payload":")";
    AppendBase64(rng_, 48 + rng_.Below(144), data);
    data.push_back('"');
    return RrwebEvent(5, ts, data);
  }

  Event ConsolePlugin(int64_t ts) {
    constexpr const char* kLevels[] = {"log", "info", "warn", "error"};
    std::string data = absl::StrCat(R"("plugin":"rrweb/console@1","payload":{"level":")",
                                    rng_.Pick(kLevels), R"(","payload":[")");
    AppendWords(rng_, 2 + rng_.Below(6), data);
    data.append(R"("],"trace":[]})");
    return RrwebEvent(6, ts, data);
  }

  // A click anywhere, half the time with its mouse down and up.
  std::vector<Event> Click(int64_t ts) {
    const int x = static_cast<int>(rng_.Below(1920));
    const int y = static_cast<int>(rng_.Below(1080));
    const uint64_t id = rng_.Below(400);
    if (rng_.OneIn(2)) return {MouseInteractionEvent(ts, 2, x, y, id)};
    Advance(ts + rng_.Between(40, 120));
    return {MouseInteractionEvent(ts, 1, x, y, id), MouseInteractionEvent(cursor_ms_, 0, x, y, id),
            MouseInteractionEvent(cursor_ms_, 2, x, y, id)};
  }

  // 5-7 clicks on one spot, 150-700 ms apart: a rage click.
  std::vector<Event> Burst(int64_t ts) {
    const int count = static_cast<int>(rng_.Between(5, 7));
    const int64_t step = rng_.Between(150, 700);
    const int x = static_cast<int>(rng_.Between(40, 1880));
    const int y = static_cast<int>(rng_.Between(40, 1040));
    std::vector<Event> clicks = BurstClicks(count, x, y, ts, step, timeline_.body_end(), rng_);
    Advance(clicks.back().timestamp_ms);
    return clicks;
  }

  Rng& rng_;
  const Timeline& timeline_;
  const double length_;
  const bool frustrated_;
  int64_t cursor_ms_;
};

std::string MakeEvents(uint64_t seed, int session_index, uint64_t payload_id, Rng& rng,
                       size_t length, FactsRecorder& facts) {
  const Timeline timeline = TimelineFor(seed, session_index, payload_id);
  const bool frustrated = IsFrustrated(seed, session_index);
  EventsWriter writer(length, timeline.pad_ms(), facts);

  // The tail of a burst the next payload finishes: its room is kept from the
  // start (dropped if the payload is too small for it).
  std::vector<Event> tail;
  if (const BoundaryBurst after = BoundaryBurstAfter(seed, session_index, payload_id);
      after.present) {
    tail = BurstClicks(after.tail_clicks, after.x, after.y, timeline.body_end() + 100, 250,
                       timeline.pad_ms(), rng);
    if (!writer.Fits(tail, 0)) tail.clear();
  }
  const size_t reserve = BytesOf(tail);

  // Head: a page load at payload 1, a navigation (Meta, maybe repeated, and
  // a FullSnapshot) at the start of some others.
  int64_t head_ms = timeline.start_ms + 10;
  if (payload_id == 1) {
    writer.TryAdd({RrwebEvent(0, head_ms, ""), RrwebEvent(1, head_ms + 5, "")}, reserve);
    head_ms += 10;
  }
  if (payload_id == 1 || rng.Below(10) < 3) {
    const absl::string_view href = rng.Pick(kPages);
    std::vector<Event> navigation = {MetaEvent(head_ms, href)};
    if (rng.OneIn(10)) navigation.push_back(MetaEvent(head_ms + 1, href));
    writer.TryAdd(navigation, reserve);
    const size_t snapshot_bytes = payload_id == 1 ? std::min<size_t>(length / 4, 16 * 1024)
                                                  : std::min<size_t>(length / 8, 8 * 1024);
    writer.TryAdd({FullSnapshotEvent(rng, head_ms + 5, snapshot_bytes)}, reserve);
  }
  // The rest of a burst the previous payload began.
  if (const BoundaryBurst before = BoundaryBurstAfter(seed, session_index, payload_id - 1);
      before.present) {
    writer.TryAdd(BurstClicks(before.head_clicks, before.x, before.y, timeline.start_ms + 100, 200,
                              timeline.body_start(), rng),
                  reserve);
  }

  BodyEvents body(rng, timeline, length, frustrated, timeline.body_start());
  while (writer.TryAdd(body.Next(writer.size()), reserve)) {
  }
  if (!tail.empty()) writer.TryAdd(tail, 0);
  return std::move(writer).Finish(rng);
}

// --- messages, errors, resources ----------------------------------------------

// A JSON array of up to `items` items (or {"<key>": [...]} when `wrapped`),
// as many as fit in `budget` bytes. make(&item) writes one item and returns
// what records its facts, called only if the item is kept.
template <typename MakeItem>
std::string JsonList(absl::string_view key, bool wrapped, uint64_t items, size_t budget,
                     MakeItem make) {
  std::string out = wrapped ? absl::StrCat("{\"", key, "\":[") : "[";
  const size_t close = wrapped ? 2 : 1;
  bool first = true;
  for (uint64_t i = 0; i < items; ++i) {
    std::string item;
    auto accept = make(&item);
    if (out.size() + (first ? 0 : 1) + item.size() + close > budget) break;
    if (!first) out.push_back(',');
    out.append(item);
    accept();
    first = false;
  }
  out.append(wrapped ? "]}" : "]");
  return out;
}

std::string MakeMessages(Rng& rng, const Timeline& timeline, size_t budget,
                         ingest::v1::PayloadFacts& facts) {
  constexpr const char* kTypes[] = {"log",  "log",  "log",     "log",   "log",   "info",
                                    "warn", "warn", "warning", "error", "error", "debug"};
  return JsonList("messages", rng.OneIn(2), rng.Below(7), budget, [&](std::string* item) {
    const absl::string_view type = rng.Pick(kTypes);
    absl::StrAppend(item, R"({"type":")", type, R"(","time":)",
                    timeline.start_ms + rng.Below(PayloadFactory::kPayloadSpanMs),
                    R"(,"value":[")");
    AppendWords(rng, 1 + rng.Below(5), *item);
    item->append("\"]}");
    return [&facts, type] {
      if (type == "error") facts.set_console_errors(facts.console_errors() + 1);
      if (type == "warn" || type == "warning") {
        facts.set_console_warnings(facts.console_warnings() + 1);
      }
    };
  });
}

std::string MakeErrors(Rng& rng, const Timeline& timeline, size_t budget,
                       ingest::v1::PayloadFacts& facts) {
  constexpr const char* kKinds[] = {"TypeError", "ReferenceError", "Error"};
  const uint64_t items = rng.Below(10) < 2 ? 1 + rng.Below(2) : 0;
  return JsonList("errors", false, items, budget, [&](std::string* item) {
    const absl::string_view kind = rng.Pick(kKinds);
    const absl::string_view word = rng.Pick(kWords);
    const uint64_t line = 1 + rng.Below(900);
    const uint64_t column = 1 + rng.Below(80);
    absl::StrAppend(
        item, R"({"event":")", kind, ": ", word, R"( is undefined","type":")", kind, R"(","url":")",
        rng.Pick(kPages), R"(","source":"app.js","lineNumber":)", line, R"(,"columnNumber":)",
        column, R"(,"stackTrace":"at )", word, " (app.js:", line, ":", column,
        ")\",\"timestamp\":", timeline.start_ms + rng.Below(PayloadFactory::kPayloadSpanMs), "}");
    return [&facts] { facts.set_errors(facts.errors() + 1); };
  });
}

std::string MakeResources(Rng& rng, size_t budget, ingest::v1::PayloadFacts& facts) {
  // 0: no responseStatus (an image, say).
  constexpr int kStatuses[] = {200, 200, 200, 200, 200, 200, 204, 304, 0, 404, 500, 503};
  return JsonList("resources", rng.OneIn(2), rng.Below(6), budget, [&](std::string* item) {
    const int status = rng.Pick(kStatuses);
    const uint64_t start = rng.Below(60'000);
    if (status == 0) {
      absl::StrAppend(item, R"({"name":"/img/)", rng.Below(1000),
                      R"(.png","initiatorType":"img","startTime":)", start, R"(,"responseEnd":)",
                      start + rng.Below(900), "}");
    } else {
      absl::StrAppend(item, R"({"name":"/api/items/)", rng.Below(100000),
                      R"(","initiatorType":"fetch","startTime":)", start, R"(,"responseEnd":)",
                      start + rng.Below(2000), R"(,"responseStatus":)", status, "}");
    }
    return [&facts, status] {
      facts.set_resources(facts.resources() + 1);
      if (status >= 400) facts.set_failed_resources(facts.failed_resources() + 1);
    };
  });
}

// --- sizing --------------------------------------------------------------------

// Length L of a bytes field (tag < 16, so a 1-byte tag) whose encoding takes
// exactly `field_bytes`, or nullopt when no L does (the varint length prefix
// grows by a byte at 128, 16384, ..., so some totals are skipped).
std::optional<size_t> FieldLengthFor(size_t field_bytes) {
  for (size_t prefix = 1; prefix <= 10; ++prefix) {
    if (field_bytes < 1 + prefix) return std::nullopt;
    const size_t length = field_bytes - 1 - prefix;
    if (CodedOutputStream::VarintSize64(length) == prefix) return length;
  }
  return std::nullopt;
}

}  // namespace

PayloadFactory::PayloadFactory(const PayloadFactoryOptions& options) : options_(options) {
  if (options.min_bytes < kMinSupportedBytes || options.min_bytes > options.max_bytes) {
    std::fprintf(stderr,
                 "loadgen: PayloadFactory needs %zu <= min_bytes (%zu) <= "
                 "max_bytes (%zu)\n",
                 kMinSupportedBytes, options.min_bytes, options.max_bytes);
    std::abort();
  }
}

size_t PayloadFactory::SizeFor(int session_index, uint64_t payload_id) const {
  Rng rng(options_.seed, session_index, payload_id, Stream::kSize);
  const double lo = std::log(static_cast<double>(options_.min_bytes));
  const double hi = std::log(static_cast<double>(options_.max_bytes));
  const double size = std::exp(lo + rng.Unit() * (hi - lo));
  return std::clamp(static_cast<size_t>(std::llround(size)), options_.min_bytes,
                    options_.max_bytes);
}

PayloadFactory::Payload PayloadFactory::MakeWithFacts(int session_index,
                                                      uint64_t payload_id) const {
  Rng rng(options_.seed, session_index, payload_id, Stream::kContent);
  const Timeline timeline = TimelineFor(options_.seed, session_index, payload_id);
  const size_t target = SizeFor(session_index, payload_id);
  Payload payload;
  ingest::v1::PayloadContent& content = payload.content;
  ingest::v1::PayloadFacts& facts = payload.facts;
  FactsRecorder recorder(&facts);

  // The small fields take at most an eighth of the payload each (a few KB at
  // most), the events the rest.
  const size_t budget = std::clamp<size_t>(target / 8, 2, 6 * 1024);
  content.set_messages(MakeMessages(rng, timeline, budget, facts));
  content.set_errors(MakeErrors(rng, timeline, budget, facts));
  content.set_resources(MakeResources(rng, budget, facts));

  std::optional<size_t> events_length = FieldLengthFor(target - content.ByteSizeLong());
  if (!events_length.has_value()) {
    // The total falls in a gap of the varint prefix: one byte elsewhere
    // (whitespace after the JSON) closes it.
    content.mutable_messages()->push_back(' ');
    events_length = FieldLengthFor(target - content.ByteSizeLong());
  }
  content.set_events(
      MakeEvents(options_.seed, session_index, payload_id, rng, *events_length, recorder));
  return payload;
}

ingest::v1::PayloadContent PayloadFactory::Make(int session_index, uint64_t payload_id) const {
  return MakeWithFacts(session_index, payload_id).content;
}

ingest::v1::PayloadFacts PayloadFactory::FactsOf(int session_index, uint64_t payload_id) const {
  return MakeWithFacts(session_index, payload_id).facts;
}

}  // namespace ingest::loadgen
