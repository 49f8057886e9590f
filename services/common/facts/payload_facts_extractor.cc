#include "services/common/facts/payload_facts_extractor.h"

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "services/common/facts/payload_facts_extractor_internal.h"

namespace ingest {
namespace {

namespace dom = simdjson::dom;
namespace od = simdjson::ondemand;
using simdjson::error_code;

#define FACTS_RETURN_IF_JSON_ERROR(expr)                                             \
  do {                                                                               \
    if (const error_code facts_error_ = (expr); facts_error_ != simdjson::SUCCESS) { \
      return facts_error_;                                                           \
    }                                                                                \
  } while (false)

// rrweb numbers (rrweb's EventType, IncrementalSource and MouseInteractions).
constexpr int64_t kIncrementalSnapshot = 3;
constexpr int64_t kMeta = 4;
constexpr int64_t kLastKnownEventType = 6;  // Plugin
constexpr int kOtherEventTypeSlot = 7;
constexpr int kEventTypeSlots = 8;
constexpr int64_t kSourceMouseInteraction = 2;
constexpr int64_t kMouseInteractionClick = 2;

bool IsInteractionSource(int64_t source) {
  switch (source) {
    case 1:   // MouseMove
    case 2:   // MouseInteraction
    case 3:   // Scroll
    case 5:   // Input
    case 6:   // TouchMove
    case 12:  // Drag
      return true;
    default:
      return false;
  }
}

// On-Demand does not bound nesting, and the walk below recurses: deeper
// input is refused (as unexpected_shape) instead of risking the stack.
constexpr int kMaxJsonDepth = 1024;

// A thread's parser keeps the capacity of the largest input it read; after
// an input above this, the thread's state is dropped so that one huge
// payload does not pin its memory for the life of the thread.
constexpr size_t kRetainedInputBytes = 4 << 20;

// The DOM parser holds about 14 bytes per input byte while it parses (its
// tape and string buffer), the On-Demand walker about 4: above this size an
// input goes straight to the walker, slower but within a third of the
// memory (a gateway may parse several large payloads at once).
constexpr size_t kDomMaxInputBytes = 1 << 20;

// A JSON number as simdjson gives it. Numbers simdjson cannot hold (integers
// beyond 64 bits, magnitudes beyond a double) are valid JSON: they come as a
// kDouble of +/-infinity.
struct JsonNumber {
  enum class Kind { kSigned, kUnsigned, kDouble };
  Kind kind = Kind::kDouble;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
};

// Whether `token` (trailing whitespace allowed) is a number in JSON's
// grammar. Only consulted when simdjson refused a number, to tell a number
// out of its range from a malformed one.
bool IsJsonNumberToken(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  size_t i = 0;
  const size_t n = token.size();
  auto digit = [&](size_t at) { return at < n && token[at] >= '0' && token[at] <= '9'; };
  auto digits = [&] {
    if (!digit(i)) return false;
    while (digit(i)) ++i;
    return true;
  };
  if (i < n && token[i] == '-') ++i;
  if (i < n && token[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < n && token[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

error_code ReadNumber(od::value& value, JsonNumber* out) {
  od::number number;
  const error_code error = value.get_number().get(number);
  if (error == simdjson::SUCCESS) {
    switch (number.get_number_type()) {
      case od::number_type::signed_integer:
        out->kind = JsonNumber::Kind::kSigned;
        out->i = number.get_int64();
        break;
      case od::number_type::unsigned_integer:
        out->kind = JsonNumber::Kind::kUnsigned;
        out->u = number.get_uint64();
        break;
      case od::number_type::floating_point_number:
        // Not number.get_double(): simdjson 3.0.1's get_number() gives 0 for
        // a number of more than 19 significant digits with a fraction or an
        // exponent (its slow path writes the value into a copy).
        // get_double() reads those right, as the DOM parser does.
        out->kind = JsonNumber::Kind::kDouble;
        if (value.get_double().get(out->d) != simdjson::SUCCESS) out->d = number.get_double();
        break;
    }
    return simdjson::SUCCESS;
  }
  if (error != simdjson::NUMBER_ERROR) return error;
  const std::string_view token = value.raw_json_token();
  if (!IsJsonNumberToken(token)) return simdjson::NUMBER_ERROR;
  // Valid but out of range. (simdjson rounds tiny magnitudes to 0 itself, so
  // what remains here is huge.)
  out->kind = JsonNumber::Kind::kDouble;
  out->d = token[0] == '-' ? -std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::infinity();
  return simdjson::SUCCESS;
}

// An integer field: JSON integers that fit int64; anything else is none.
std::optional<int64_t> AsInteger(const JsonNumber& number) {
  if (number.kind == JsonNumber::Kind::kSigned) return number.i;
  return std::nullopt;
}

// A timestamp: an integer that fits int64, or a number with a fraction
// truncated toward zero if that fits int64.
std::optional<int64_t> AsTimestamp(const JsonNumber& number) {
  switch (number.kind) {
    case JsonNumber::Kind::kSigned:
      return number.i;
    case JsonNumber::Kind::kUnsigned:
      return std::nullopt;
    case JsonNumber::Kind::kDouble:
      // [-2^63, 2^63) are exactly the doubles whose truncation fits int64.
      if (number.d >= -9223372036854775808.0 && number.d < 9223372036854775808.0) {
        return static_cast<int64_t>(number.d);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

// A coordinate: any number, truncated toward zero and clamped to int32.
int32_t AsCoordinate(const JsonNumber& number) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  switch (number.kind) {
    case JsonNumber::Kind::kSigned:
      return number.i < kMin ? kMin : number.i > kMax ? kMax : static_cast<int32_t>(number.i);
    case JsonNumber::Kind::kUnsigned:
      return kMax;
    case JsonNumber::Kind::kDouble:
      return number.d <= kMin ? kMin : number.d >= kMax ? kMax : static_cast<int32_t>(number.d);
  }
  return 0;
}

// --- The On-Demand walker (the fallback) -----------------------------------

// Walks one JSON document. Every value is read, also the ones no fact needs,
// because On-Demand only validates what is read and a payload malformed
// anywhere must give no facts. A value of the wrong shape is walked too and
// remembered: the input is then unexpected_shape, unless it is malformed
// further on (then not_json).
class Walker {
 public:
  // Reads and discards `value`, at nesting `depth` (the root is 1).
  error_code Skip(od::value& value, int depth) {
    od::json_type type;
    FACTS_RETURN_IF_JSON_ERROR(value.type().get(type));
    switch (type) {
      case od::json_type::array:
        return ForEachElement(value, depth,
                              [&](od::value& element) { return Skip(element, depth + 1); });
      case od::json_type::object:
        return ForEachField(value, depth, [&](std::string_view, od::value& field) {
          return Skip(field, depth + 1);
        });
      case od::json_type::string: {
        std::string_view ignored;
        return value.get_string().get(ignored);
      }
      case od::json_type::number: {
        JsonNumber ignored;
        return ReadNumber(value, &ignored);
      }
      case od::json_type::boolean: {
        bool ignored;
        return value.get_bool().get(ignored);
      }
      case od::json_type::null: {
        bool is_null = false;
        FACTS_RETURN_IF_JSON_ERROR(value.is_null().get(is_null));
        return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
      }
    }
    return simdjson::TAPE_ERROR;
  }

  // Calls read(key, value) for each field of the object `value` (at
  // `depth`); read must consume the value (Skip it if unused).
  error_code ForEachField(od::value& value, int depth,
                          absl::FunctionRef<error_code(std::string_view, od::value&)> read) {
    if (depth > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
    od::object object;
    FACTS_RETURN_IF_JSON_ERROR(value.get_object().get(object));
    return ForEachField(object, read);
  }
  error_code ForEachField(od::object& object,
                          absl::FunctionRef<error_code(std::string_view, od::value&)> read) {
    for (auto field_result : object) {
      od::field field;
      FACTS_RETURN_IF_JSON_ERROR(std::move(field_result).get(field));
      std::string_view key;
      FACTS_RETURN_IF_JSON_ERROR(field.unescaped_key().get(key));
      FACTS_RETURN_IF_JSON_ERROR(read(key, field.value()));
    }
    return simdjson::SUCCESS;
  }

  // Calls read(element) for each element of the array `value` (at `depth`).
  error_code ForEachElement(od::value& value, int depth,
                            absl::FunctionRef<error_code(od::value&)> read) {
    if (depth > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
    od::array array;
    FACTS_RETURN_IF_JSON_ERROR(value.get_array().get(array));
    return ForEachElement(array, read);
  }
  error_code ForEachElement(od::array& array, absl::FunctionRef<error_code(od::value&)> read) {
    for (auto element_result : array) {
      od::value element;
      FACTS_RETURN_IF_JSON_ERROR(std::move(element_result).get(element));
      FACTS_RETURN_IF_JSON_ERROR(read(element));
    }
    return simdjson::SUCCESS;
  }

  // Reads `value` into `out` if it is a number; skips it (out = none)
  // otherwise.
  error_code ReadOptionalNumber(od::value& value, int depth, std::optional<JsonNumber>* out) {
    out->reset();
    od::json_type type;
    FACTS_RETURN_IF_JSON_ERROR(value.type().get(type));
    if (type != od::json_type::number) return Skip(value, depth);
    JsonNumber number;
    FACTS_RETURN_IF_JSON_ERROR(ReadNumber(value, &number));
    *out = number;
    return simdjson::SUCCESS;
  }

  // Reads `value` into `out` if it is a string; skips it (out = none)
  // otherwise. The view lives until the parser reads the next input.
  error_code ReadOptionalString(od::value& value, int depth, std::optional<std::string_view>* out) {
    out->reset();
    od::json_type type;
    FACTS_RETURN_IF_JSON_ERROR(value.type().get(type));
    if (type != od::json_type::string) return Skip(value, depth);
    std::string_view string;
    FACTS_RETURN_IF_JSON_ERROR(value.get_string().get(string));
    *out = string;
    return simdjson::SUCCESS;
  }

  // Whether `value` has `type`, without consuming it.
  error_code Is(od::value& value, od::json_type type, bool* is) {
    od::json_type actual;
    FACTS_RETURN_IF_JSON_ERROR(value.type().get(actual));
    *is = actual == type;
    return simdjson::SUCCESS;
  }

  void MarkUnexpectedShape() { unexpected_shape_ = true; }
  bool unexpected_shape() const { return unexpected_shape_; }

 private:
  bool unexpected_shape_ = false;
};

// --- What the facts need of each input, whichever parser read it ---------

// The fields of one rrweb event that facts use. Repeated keys: the last wins.
struct Event {
  std::optional<int64_t> type;
  std::optional<int64_t> timestamp_ms;
  std::optional<int64_t> source;      // data.source
  std::optional<int64_t> data_type;   // data.type
  int32_t x = 0;                      // data.x
  int32_t y = 0;                      // data.y
  std::optional<std::string_view> href;  // data.href
};

// Folds events, one at a time in array order, into the event facts.
class EventFacts {
 public:
  explicit EventFacts(v1::PayloadFacts* facts) : facts_(*facts) {
    facts_.mutable_events_by_type()->Resize(kEventTypeSlots, 0);
  }

  void Add(const Event& event) {
    facts_.set_event_count(facts_.event_count() + 1);
    const int slot = event.type && *event.type >= 0 && *event.type <= kLastKnownEventType
                         ? static_cast<int>(*event.type)
                         : kOtherEventTypeSlot;
    facts_.set_events_by_type(slot, facts_.events_by_type(slot) + 1);
    const std::optional<int64_t> t = event.timestamp_ms;
    if (t) {
      const bool first = !any_event_time_;
      any_event_time_ = true;
      if (first || *t < facts_.first_event_ms()) facts_.set_first_event_ms(*t);
      if (first || *t > facts_.last_event_ms()) facts_.set_last_event_ms(*t);
    }

    if (event.type == kIncrementalSnapshot && event.source && IsInteractionSource(*event.source)) {
      facts_.set_interaction_count(facts_.interaction_count() + 1);
      if (t) {
        if (previous_interaction_ms_) {
          facts_.set_active_ms(facts_.active_ms() +
                               ActiveTimeBetween(*previous_interaction_ms_, *t));
        } else {
          facts_.set_first_interaction_ms(*t);
        }
        facts_.set_last_interaction_ms(*t);
        previous_interaction_ms_ = t;
      }
      if (event.source == kSourceMouseInteraction && event.data_type == kMouseInteractionClick) {
        facts_.set_click_count(facts_.click_count() + 1);
        if (t && facts_.clicks_size() < kMaxClicksInFacts) {
          v1::Click* click = facts_.add_clicks();
          click->set_timestamp_ms(*t);
          click->set_x(event.x);
          click->set_y(event.y);
        }
      }
    }

    if (event.type == kMeta && event.href && !event.href->empty() &&
        (facts_.pages().empty() || *facts_.pages().rbegin() != *event.href)) {
      facts_.add_pages(std::string(*event.href));
    }
  }

 private:
  v1::PayloadFacts& facts_;
  bool any_event_time_ = false;
  std::optional<int64_t> previous_interaction_ms_;
};

// A console message whose `type` (if a string) is `type`.
void AddConsoleMessage(const std::optional<std::string_view>& type, v1::PayloadFacts* facts) {
  if (!type) return;
  const absl::string_view level(type->data(), type->size());
  if (absl::EqualsIgnoreCase(level, "error")) {
    facts->set_console_errors(facts->console_errors() + 1);
  } else if (absl::EqualsIgnoreCase(level, "warn") || absl::EqualsIgnoreCase(level, "warning")) {
    facts->set_console_warnings(facts->console_warnings() + 1);
  }
}

bool IsFailedStatus(const std::optional<JsonNumber>& status) {
  if (!status) return false;
  if (status->kind == JsonNumber::Kind::kUnsigned) return true;  // >= 2^63
  const std::optional<int64_t> code = AsInteger(*status);
  return code && *code >= 400;
}

// --- Values off a DOM tree (the fast path) ---------------------------------
//
// simdjson's DOM parser validates the whole input and builds its tape with
// libsimdjson's kernel for this CPU, chosen at run time (On-Demand, inline in
// the header, gets only the portable one in this build); the facts are then
// read from the tape, visiting only the values they need (a tape skips a
// container in one step). The readers below take exactly what the walker
// above takes, so where the DOM parser accepts an input both give the same
// facts; where it refuses one (malformed, a number beyond 64 bits or a
// double, too deep), the walker reads that input instead and gives the
// verdict.

// The DOM parser refuses a non-empty container at depth kMaxJsonDepth (the
// root is 1; an empty one does not count), so every input it accepts is
// within the walker's limit too; one it refuses goes to the walker.
static_assert(simdjson::DEFAULT_MAX_DEPTH == kMaxJsonDepth);

std::optional<JsonNumber> NumberOf(dom::element value) {
  JsonNumber number;
  switch (value.type()) {
    case dom::element_type::INT64:
      number.kind = JsonNumber::Kind::kSigned;
      number.i = value.get_int64().value_unsafe();
      return number;
    case dom::element_type::UINT64:
      number.kind = JsonNumber::Kind::kUnsigned;
      number.u = value.get_uint64().value_unsafe();
      return number;
    case dom::element_type::DOUBLE:
      number.kind = JsonNumber::Kind::kDouble;
      number.d = value.get_double().value_unsafe();
      return number;
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> IntegerOf(dom::element value) {
  const std::optional<JsonNumber> number = NumberOf(value);
  return number ? AsInteger(*number) : std::nullopt;
}

// The object `value` is (its type checked by the caller). By value: a range-for
// over get_object().value_unsafe() would iterate a destroyed temporary.
dom::object ObjectOf(dom::element value) { return value.get_object().value_unsafe(); }

std::optional<std::string_view> StringOf(dom::element value) {
  if (value.type() != dom::element_type::STRING) return std::nullopt;
  return value.get_string().value_unsafe();
}

// --- The readers of each input's elements, both ways side by side -----------

// Reads one element of an input's array, from a DOM tree or with the walker.
class ListReader {
 public:
  virtual ~ListReader() = default;
  // Reads `element`; false if the input does not accept its shape.
  virtual bool Read(dom::element element) = 0;
  // Reads (and validates) `element`, at nesting `depth`, with `walker`;
  // marks an element of the wrong shape on the walker.
  virtual error_code Read(Walker& walker, od::value& element, int depth) = 0;
};

// `events`: objects, rrweb events.
class EventsReader final : public ListReader {
 public:
  explicit EventsReader(v1::PayloadFacts* facts) : facts_(facts) {}

  bool Read(dom::element element) override {
    if (element.type() != dom::element_type::OBJECT) return false;
    Event event;
    std::optional<dom::element> data;
    for (const dom::key_value_pair field : ObjectOf(element)) {
      if (field.key == "type") {
        event.type = IntegerOf(field.value);
      } else if (field.key == "timestamp") {
        const std::optional<JsonNumber> number = NumberOf(field.value);
        event.timestamp_ms = number ? AsTimestamp(*number) : std::nullopt;
      } else if (field.key == "data") {
        data = field.value;
      }
    }
    // data's fields count only for IncrementalSnapshot (source, type, x, y)
    // and Meta (href) events; the last `data` wins, as in the walker.
    if (data && (event.type == kIncrementalSnapshot || event.type == kMeta)) {
      ReadData(*data, &event);
    }
    facts_.Add(event);
    return true;
  }

  error_code Read(Walker& walker, od::value& element, int depth) override {
    bool is_object = false;
    FACTS_RETURN_IF_JSON_ERROR(walker.Is(element, od::json_type::object, &is_object));
    if (!is_object) {
      walker.MarkUnexpectedShape();
      return walker.Skip(element, depth);
    }
    Event event;
    FACTS_RETURN_IF_JSON_ERROR(
        walker.ForEachField(element, depth, [&](std::string_view key, od::value& value) {
          std::optional<JsonNumber> number;
          error_code error = simdjson::SUCCESS;
          if (key == "type") {
            error = walker.ReadOptionalNumber(value, depth + 1, &number);
            event.type = number ? AsInteger(*number) : std::nullopt;
          } else if (key == "timestamp") {
            error = walker.ReadOptionalNumber(value, depth + 1, &number);
            event.timestamp_ms = number ? AsTimestamp(*number) : std::nullopt;
          } else if (key == "data") {
            error = ReadData(walker, value, depth + 1, &event);
          } else {
            error = walker.Skip(value, depth + 1);
          }
          return error;
        }));
    facts_.Add(event);
    return simdjson::SUCCESS;
  }

 private:
  static void ReadData(dom::element data, Event* event) {
    if (data.type() != dom::element_type::OBJECT) return;
    for (const dom::key_value_pair field : ObjectOf(data)) {
      if (field.key == "source") {
        event->source = IntegerOf(field.value);
      } else if (field.key == "type") {
        event->data_type = IntegerOf(field.value);
      } else if (field.key == "x") {
        const std::optional<JsonNumber> number = NumberOf(field.value);
        event->x = number ? AsCoordinate(*number) : 0;
      } else if (field.key == "y") {
        const std::optional<JsonNumber> number = NumberOf(field.value);
        event->y = number ? AsCoordinate(*number) : 0;
      } else if (field.key == "href") {
        event->href = StringOf(field.value);
      }
    }
  }

  static error_code ReadData(Walker& walker, od::value& data, int depth, Event* event) {
    event->source.reset();
    event->data_type.reset();
    event->x = 0;
    event->y = 0;
    event->href.reset();
    bool is_object = false;
    FACTS_RETURN_IF_JSON_ERROR(walker.Is(data, od::json_type::object, &is_object));
    if (!is_object) return walker.Skip(data, depth);  // no data
    return walker.ForEachField(data, depth, [&](std::string_view key, od::value& value) {
      std::optional<JsonNumber> number;
      error_code error = simdjson::SUCCESS;
      if (key == "source") {
        error = walker.ReadOptionalNumber(value, depth + 1, &number);
        event->source = number ? AsInteger(*number) : std::nullopt;
      } else if (key == "type") {
        error = walker.ReadOptionalNumber(value, depth + 1, &number);
        event->data_type = number ? AsInteger(*number) : std::nullopt;
      } else if (key == "x") {
        error = walker.ReadOptionalNumber(value, depth + 1, &number);
        event->x = number ? AsCoordinate(*number) : 0;
      } else if (key == "y") {
        error = walker.ReadOptionalNumber(value, depth + 1, &number);
        event->y = number ? AsCoordinate(*number) : 0;
      } else if (key == "href") {
        error = walker.ReadOptionalString(value, depth + 1, &event->href);
      } else {
        error = walker.Skip(value, depth + 1);
      }
      return error;
    });
  }

  EventFacts facts_;
};

// `messages`: objects with a string `type`.
class MessagesReader final : public ListReader {
 public:
  explicit MessagesReader(v1::PayloadFacts* facts) : facts_(facts) {}

  bool Read(dom::element element) override {
    if (element.type() != dom::element_type::OBJECT) return false;
    std::optional<std::string_view> type;
    for (const dom::key_value_pair field : ObjectOf(element)) {
      if (field.key == "type") type = StringOf(field.value);
    }
    AddConsoleMessage(type, facts_);
    return true;
  }

  error_code Read(Walker& walker, od::value& element, int depth) override {
    bool is_object = false;
    FACTS_RETURN_IF_JSON_ERROR(walker.Is(element, od::json_type::object, &is_object));
    if (!is_object) {
      walker.MarkUnexpectedShape();
      return walker.Skip(element, depth);
    }
    std::optional<std::string_view> type;
    FACTS_RETURN_IF_JSON_ERROR(
        walker.ForEachField(element, depth, [&](std::string_view key, od::value& value) {
          if (key == "type") return walker.ReadOptionalString(value, depth + 1, &type);
          return walker.Skip(value, depth + 1);
        }));
    AddConsoleMessage(type, facts_);
    return simdjson::SUCCESS;
  }

 private:
  v1::PayloadFacts* facts_;
};

// `errors`: any element counts.
class ErrorsReader final : public ListReader {
 public:
  explicit ErrorsReader(v1::PayloadFacts* facts) : facts_(facts) {}

  bool Read(dom::element) override {
    facts_->set_errors(facts_->errors() + 1);
    return true;
  }

  error_code Read(Walker& walker, od::value& element, int depth) override {
    facts_->set_errors(facts_->errors() + 1);
    return walker.Skip(element, depth);
  }

 private:
  v1::PayloadFacts* facts_;
};

// `resources`: any element counts; objects may say they failed.
class ResourcesReader final : public ListReader {
 public:
  explicit ResourcesReader(v1::PayloadFacts* facts) : facts_(facts) {}

  bool Read(dom::element element) override {
    facts_->set_resources(facts_->resources() + 1);
    if (element.type() != dom::element_type::OBJECT) return true;
    bool failed = false;
    for (const dom::key_value_pair field : ObjectOf(element)) {
      if (field.key == "responseStatus") {
        failed = failed || IsFailedStatus(NumberOf(field.value));
      } else if (field.key == "response" && field.value.type() == dom::element_type::OBJECT) {
        for (const dom::key_value_pair response_field : ObjectOf(field.value)) {
          if (response_field.key == "status") {
            failed = failed || IsFailedStatus(NumberOf(response_field.value));
          }
        }
      }
    }
    if (failed) facts_->set_failed_resources(facts_->failed_resources() + 1);
    return true;
  }

  error_code Read(Walker& walker, od::value& element, int depth) override {
    facts_->set_resources(facts_->resources() + 1);
    bool is_object = false;
    FACTS_RETURN_IF_JSON_ERROR(walker.Is(element, od::json_type::object, &is_object));
    if (!is_object) return walker.Skip(element, depth);
    bool failed = false;
    FACTS_RETURN_IF_JSON_ERROR(walker.ForEachField(
        element, depth, [&](std::string_view key, od::value& value) -> error_code {
          std::optional<JsonNumber> status;
          if (key == "responseStatus") {
            FACTS_RETURN_IF_JSON_ERROR(walker.ReadOptionalNumber(value, depth + 1, &status));
            failed = failed || IsFailedStatus(status);
            return simdjson::SUCCESS;
          }
          if (key != "response") return walker.Skip(value, depth + 1);
          bool is_response_object = false;
          FACTS_RETURN_IF_JSON_ERROR(
              walker.Is(value, od::json_type::object, &is_response_object));
          if (!is_response_object) return walker.Skip(value, depth + 1);
          return walker.ForEachField(
              value, depth + 1, [&](std::string_view response_key, od::value& response_value) {
                if (response_key != "status") return walker.Skip(response_value, depth + 2);
                const error_code error =
                    walker.ReadOptionalNumber(response_value, depth + 2, &status);
                failed = failed || IsFailedStatus(status);
                return error;
              });
        }));
    if (failed) facts_->set_failed_resources(facts_->failed_resources() + 1);
    return simdjson::SUCCESS;
  }

 private:
  v1::PayloadFacts* facts_;
};

// --- Reading an input -------------------------------------------------------

// Reads the DOM tree `root`: an array, or an object holding the array under
// `key` (other keys ignored), reading each element. False if the input has
// another shape.
bool ReadListFromDom(dom::element root, std::string_view key, ListReader& reader) {
  dom::array list;
  switch (root.type()) {
    case dom::element_type::ARRAY:
      list = root.get_array().value_unsafe();
      break;
    case dom::element_type::OBJECT: {
      bool found = false;
      for (const dom::key_value_pair field : ObjectOf(root)) {
        if (field.key != key) continue;
        // A second list, or not a list.
        if (found || field.value.type() != dom::element_type::ARRAY) return false;
        found = true;
        list = field.value.get_array().value_unsafe();
      }
      if (!found) return false;
      break;
    }
    default:
      return false;
  }
  for (const dom::element element : list) {
    if (!reader.Read(element)) return false;
  }
  return true;
}

// Validates the scalar value of a document whose root is a scalar (never a
// shape we accept).
error_code ValidateRootScalarValue(od::document& document, od::json_type type) {
  switch (type) {
    case od::json_type::string: {
      std::string_view ignored;
      return document.get_string().get(ignored);
    }
    case od::json_type::number: {
      od::number ignored;
      const error_code error = document.get_number().get(ignored);
      if (error != simdjson::NUMBER_ERROR) return error;
      std::string_view token;
      FACTS_RETURN_IF_JSON_ERROR(document.raw_json_token().get(token));
      return IsJsonNumberToken(token) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    }
    case od::json_type::boolean: {
      bool ignored;
      return document.get_bool().get(ignored);
    }
    case od::json_type::null: {
      bool is_null = false;
      FACTS_RETURN_IF_JSON_ERROR(document.is_null().get(is_null));
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
    default:
      return simdjson::TAPE_ERROR;
  }
}

// Validates a document whose root is a scalar: the scalar, and that nothing
// follows it (not every root getter of simdjson 3.0.1 checks that).
error_code ValidateRootScalar(od::document& document, od::json_type type,
                              std::string_view json) {
  FACTS_RETURN_IF_JSON_ERROR(ValidateRootScalarValue(document, type));
  std::string_view token;  // the scalar and the whitespace after it
  FACTS_RETURN_IF_JSON_ERROR(document.raw_json_token().get(token));
  return token.data() + token.size() == json.data() + json.size() ? simdjson::SUCCESS
                                                                   : simdjson::TRAILING_CONTENT;
}

// Reads `json` with the walker: an array, or an object holding the array
// under `key` (other keys ignored), reading each element.
error_code ReadListOnDemand(od::parser& parser, simdjson::padded_string_view json,
                            std::string_view key, Walker& walker, ListReader& reader) {
  od::document document;
  FACTS_RETURN_IF_JSON_ERROR(parser.iterate(json).get(document));
  od::json_type type;
  FACTS_RETURN_IF_JSON_ERROR(document.type().get(type));
  if (type != od::json_type::array && type != od::json_type::object) {
    FACTS_RETURN_IF_JSON_ERROR(ValidateRootScalar(document, type, json));
    walker.MarkUnexpectedShape();
    return simdjson::SUCCESS;
  }
  // The root through document.get_array()/get_object(): they check that the
  // document is balanced, which a root taken as a value would not.
  if (type == od::json_type::array) {
    od::array array;
    FACTS_RETURN_IF_JSON_ERROR(document.get_array().get(array));
    FACTS_RETURN_IF_JSON_ERROR(walker.ForEachElement(
        array, [&](od::value& element) { return reader.Read(walker, element, 2); }));
  } else {
    od::object object;
    FACTS_RETURN_IF_JSON_ERROR(document.get_object().get(object));
    auto read_elements = [&](od::value& array) {
      return walker.ForEachElement(
          array, 2, [&](od::value& element) { return reader.Read(walker, element, 3); });
    };
    bool found = false;
    FACTS_RETURN_IF_JSON_ERROR(
        walker.ForEachField(object, [&](std::string_view name, od::value& value) -> error_code {
          if (name != key) return walker.Skip(value, 2);
          bool is_array = false;
          FACTS_RETURN_IF_JSON_ERROR(walker.Is(value, od::json_type::array, &is_array));
          if (found || !is_array) {  // a second list, or not a list
            walker.MarkUnexpectedShape();
            return walker.Skip(value, 2);
          }
          found = true;
          return read_elements(value);
        }));
    if (!found) walker.MarkUnexpectedShape();
  }
  // Anything after the root value is malformed.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return simdjson::TRAILING_CONTENT;
  }
  return simdjson::SUCCESS;
}

// A thread's parsers, and a padded copy of an input when the input's own
// buffer has no room for simdjson's padding.
struct ThreadState {
  dom::parser dom_parser;
  od::parser on_demand_parser;
  std::string padded;
};

ThreadState& ThisThreadState() {
  thread_local ThreadState state;
  return state;
}

// `bytes` with simdjson's padding after it: in place when its buffer has
// room, else copied into the thread's padded buffer.
simdjson::padded_string_view Padded(const std::string& bytes, ThreadState& state) {
  if (bytes.capacity() - bytes.size() >= simdjson::SIMDJSON_PADDING) {
    return simdjson::padded_string_view(bytes.data(), bytes.size(), bytes.capacity());
  }
  state.padded.reserve(bytes.size() + simdjson::SIMDJSON_PADDING);
  state.padded.assign(bytes);
  return simdjson::padded_string_view(state.padded.data(), state.padded.size(),
                                      state.padded.capacity());
}

enum class Parsers {
  kDomThenOnDemand,  // DOM; the walker where DOM refuses an input
  kDomOnly,          // DOM; nothing where it refuses one (tests)
  kOnDemandOnly,     // the walker alone (tests)
};

// Reads one input of a payload: the reason it could not be read, empty if
// it was; none when kDomOnly and the DOM parser refused it. Empty bytes hold
// no list.
std::optional<absl::string_view> ReadInput(const std::string& bytes, std::string_view key,
                                           ListReader& reader, Parsers parsers) {
  if (bytes.empty()) return absl::string_view();
  ThreadState& state = ThisThreadState();
  const simdjson::padded_string_view json = Padded(bytes, state);
  std::optional<absl::string_view> unparsed;
  dom::element root;
  const bool dom_allowed = parsers == Parsers::kDomOnly ||
                           (parsers == Parsers::kDomThenOnDemand && bytes.size() <= kDomMaxInputBytes);
  if (dom_allowed &&
      state.dom_parser.parse(json.data(), json.size(), /*realloc_if_needed=*/false).get(root) ==
          simdjson::SUCCESS) {
    unparsed = ReadListFromDom(root, key, reader) ? absl::string_view() : kUnparsedUnexpectedShape;
  } else if (parsers != Parsers::kDomOnly) {
    Walker walker;
    const error_code error = ReadListOnDemand(state.on_demand_parser, json, key, walker, reader);
    if (error == simdjson::DEPTH_ERROR) {
      unparsed = kUnparsedUnexpectedShape;
    } else if (error != simdjson::SUCCESS) {
      unparsed = kUnparsedNotJson;
    } else if (walker.unexpected_shape()) {
      unparsed = kUnparsedUnexpectedShape;
    } else {
      unparsed = absl::string_view();
    }
  }
  if (bytes.size() > kRetainedInputBytes) state = ThreadState();
  return unparsed;
}

// The facts of `content`, or none when kDomOnly and the DOM parser refused
// an input.
std::optional<v1::PayloadFacts> Extract(const v1::PayloadContent& content, Parsers parsers) {
  v1::PayloadFacts facts;
  facts.set_parsed(true);
  EventsReader events(&facts);
  MessagesReader messages(&facts);
  ErrorsReader errors(&facts);
  ResourcesReader resources(&facts);
  const struct {
    const std::string& bytes;
    std::string_view key;
    ListReader& reader;
  } inputs[] = {
      {content.events(), "events", events},
      {content.messages(), "messages", messages},
      {content.errors(), "errors", errors},
      {content.resources(), "resources", resources},
  };
  for (const auto& input : inputs) {
    const std::optional<absl::string_view> unparsed =
        ReadInput(input.bytes, input.key, input.reader, parsers);
    if (!unparsed) return std::nullopt;
    if (!unparsed->empty()) return UnparsedPayloadFacts(*unparsed);
  }
  return facts;
}

}  // namespace

#undef FACTS_RETURN_IF_JSON_ERROR

int64_t ActiveTimeBetween(int64_t earlier_ms, int64_t later_ms) {
  if (later_ms < earlier_ms) return 0;
  // Unsigned: the difference of two int64 may not fit int64.
  const uint64_t gap = static_cast<uint64_t>(later_ms) - static_cast<uint64_t>(earlier_ms);
  return gap <= static_cast<uint64_t>(kActivityGapMs) ? static_cast<int64_t>(gap) : 0;
}

v1::PayloadFacts ExtractPayloadFacts(const v1::PayloadContent& content) {
  return *Extract(content, Parsers::kDomThenOnDemand);
}

v1::PayloadFacts UnparsedPayloadFacts(absl::string_view reason) {
  v1::PayloadFacts facts;
  facts.set_parsed(false);
  facts.set_unparsed_reason(std::string(reason));
  return facts;
}

namespace facts_internal {

v1::PayloadFacts ExtractPayloadFactsOnDemand(const v1::PayloadContent& content) {
  return *Extract(content, Parsers::kOnDemandOnly);
}

std::optional<v1::PayloadFacts> ExtractPayloadFactsDomOnly(const v1::PayloadContent& content) {
  return Extract(content, Parsers::kDomOnly);
}

}  // namespace facts_internal

}  // namespace ingest
