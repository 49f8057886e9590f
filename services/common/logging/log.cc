#include "services/common/logging/log.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace ingest::log {
namespace {

struct Config {
  std::string service = "ingest";
  Format format = Format::kText;
  Level min_level = Level::kInfo;
};

absl::Mutex config_mutex;
Config& GetConfig() {
  static Config* config = new Config();
  return *config;
}

spdlog::logger& Sink() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "ingest", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_pattern("%v");
    created->set_level(spdlog::level::trace);
    created->flush_on(spdlog::level::trace);
    return created;
  }();
  return *logger;
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void AppendJsonString(std::string* out, absl::string_view text) {
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

bool NeedsTextQuotes(absl::string_view value) {
  return value.empty() || value.find_first_of(" \"=\t\n") != absl::string_view::npos;
}

}  // namespace

Field::Field(absl::string_view key, double value)
    : key(key), value(absl::StrFormat("%.6g", value)), quoted(false) {}

void Init(absl::string_view service, Format format, Level min_level) {
  absl::MutexLock lock(&config_mutex);
  GetConfig() = Config{std::string(service), format, min_level};
}

bool ParseFormat(absl::string_view text, Format* format) {
  if (text == "text") *format = Format::kText;
  else if (text == "json") *format = Format::kJson;
  else return false;
  return true;
}

bool ParseLevel(absl::string_view text, Level* level) {
  if (text == "debug") *level = Level::kDebug;
  else if (text == "info") *level = Level::kInfo;
  else if (text == "warn") *level = Level::kWarn;
  else if (text == "error") *level = Level::kError;
  else return false;
  return true;
}

std::string Render(Format format, absl::string_view service, Level level, absl::string_view event,
                   std::initializer_list<Field> fields) {
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (format == Format::kJson) {
    absl::StrAppend(&line, "{\"ts\":\"", ts, "\",\"level\":\"", LevelName(level), "\",\"service\":");
    AppendJsonString(&line, service);
    line.append(",\"event\":");
    AppendJsonString(&line, event);
    for (const Field& field : fields) {
      line.push_back(',');
      AppendJsonString(&line, field.key);
      line.push_back(':');
      if (field.quoted) {
        AppendJsonString(&line, field.value);
      } else {
        line.append(field.value);
      }
    }
    line.push_back('}');
    return line;
  }
  absl::StrAppend(&line, ts, " ", absl::StrFormat("%-5s", LevelName(level)), " ", service, " ",
                  event);
  for (const Field& field : fields) {
    absl::StrAppend(&line, " ", field.key, "=");
    if (field.quoted && NeedsTextQuotes(field.value)) {
      AppendJsonString(&line, field.value);
    } else {
      line.append(field.value);
    }
  }
  return line;
}

void Write(Level level, absl::string_view event, std::initializer_list<Field> fields) {
  Config config;
  {
    absl::MutexLock lock(&config_mutex);
    config = GetConfig();
  }
  if (level < config.min_level) return;
  Sink().info("{}", Render(config.format, config.service, level, event, fields));
}

}  // namespace ingest::log
