#pragma once

// Structured logging: one line per event, a stable event name plus key/value
// fields. JSON in production (`--log_format=json`), aligned text for people.
//
//   log::Info("producer.retry", {{"attempt", 3}, {"error", status.ToString()}});
//
// Thread-safe; lines are written to stderr through spdlog.

#include <cstdint>
#include <initializer_list>
#include <string>
#include "absl/strings/string_view.h"

namespace ingest::log {

enum class Format { kText, kJson };
enum class Level { kDebug, kInfo, kWarn, kError };

// One key/value pair of a log line. Numbers are written unquoted in JSON.
struct Field {
  Field(absl::string_view key, absl::string_view value) : key(key), value(value), quoted(true) {}
  Field(absl::string_view key, const std::string& value) : key(key), value(value), quoted(true) {}
  Field(absl::string_view key, const char* value) : key(key), value(value), quoted(true) {}
  Field(absl::string_view key, int64_t value) : key(key), value(std::to_string(value)), quoted(false) {}
  Field(absl::string_view key, int value) : key(key), value(std::to_string(value)), quoted(false) {}
  Field(absl::string_view key, uint64_t value) : key(key), value(std::to_string(value)), quoted(false) {}
  Field(absl::string_view key, uint32_t value) : key(key), value(std::to_string(value)), quoted(false) {}
  Field(absl::string_view key, double value);
  Field(absl::string_view key, bool value) : key(key), value(value ? "true" : "false"), quoted(false) {}

  absl::string_view key;
  std::string value;
  bool quoted;
};

// Sets the service name stamped on every line, the format and the minimum
// level. Call once from main() before other threads log; defaults are
// ("ingest", kText, kInfo).
void Init(absl::string_view service, Format format, Level min_level);

// Parses "text"/"json" and "debug"/"info"/"warn"/"error"; false if unknown.
bool ParseFormat(absl::string_view text, Format* format);
bool ParseLevel(absl::string_view text, Level* level);

void Write(Level level, absl::string_view event, std::initializer_list<Field> fields);

inline void Debug(absl::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, event, fields);
}
inline void Info(absl::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(absl::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, event, fields);
}
inline void Error(absl::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, fields);
}

// Renders one line without writing it (exposed for tests).
std::string Render(Format format, absl::string_view service, Level level, absl::string_view event,
                   std::initializer_list<Field> fields);

}  // namespace ingest::log
