#include "bench/worker/copy_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_worker {
namespace {

// The columns the worker writes for a whole payload, and their types.
struct Expected {
  const char* name;
  const char* data_type;
};
constexpr Expected kRequired[] = {
    {"session_id", "text"},     {"payload_id", "bigint"},
    {"chunk_index", "integer"}, {"content_encoding", "smallint"},
    {"raw_size", "bigint"},     {"data", "bytea"},
    {"is_beacon", "boolean"},   {"received_at", "timestamp with time zone"},
    {"kafka_partition", "integer"}, {"kafka_offset", "bigint"},
};

}  // namespace

absl::string_view StorageName(StorageEncoding storage) {
  return storage == StorageEncoding::kZstd ? "zstd" : "identity";
}

absl::StatusOr<CopyLayout> CopyLayout::ForColumns(
    const std::map<std::string, std::string>& types) {
  CopyLayout layout;
  auto add = [&](const std::string& name, const std::string& type) -> absl::Status {
    static const std::map<std::string, Kind> kKinds = {
        {"text", Kind::kText},
        {"bytea", Kind::kText},
        {"smallint", Kind::kInt16},
        {"integer", Kind::kInt32},
        {"bigint", Kind::kInt64},
        {"boolean", Kind::kBool},
        {"timestamp with time zone", Kind::kTimestamp}};
    auto kind = kKinds.find(type);
    if (kind == kKinds.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("session_payloads.", name, " is ", type,
                       ", a type the raw COPY does not write (bench/worker/copy_rows.cc)"));
    }
    layout.columns_.push_back(name);
    layout.layout_.push_back({name, kind->second});
    return absl::OkStatus();
  };
  for (const Expected& expected : kRequired) {
    auto it = types.find(expected.name);
    if (it == types.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("session_payloads has no column ", expected.name));
    }
    if (it->second != expected.data_type) {
      return absl::InvalidArgumentError(absl::StrCat("session_payloads.", expected.name, " is ",
                                                     it->second, ", expected ",
                                                     expected.data_type));
    }
    RETURN_IF_ERROR(add(it->first, it->second));
  }
  if (auto it = types.find("storage_encoding"); it != types.end()) {
    if (it->second != "text" && it->second != "smallint" && it->second != "integer" &&
        it->second != "bigint") {
      return absl::InvalidArgumentError(absl::StrCat(
          "session_payloads.storage_encoding is ", it->second, ", expected text or an integer"));
    }
    layout.storage_ = StorageEncoding::kZstd;
    RETURN_IF_ERROR(add(it->first, it->second));
  }
  if (auto it = types.find("data_sha256"); it != types.end()) {
    if (it->second != "bytea") {
      return absl::InvalidArgumentError(
          absl::StrCat("session_payloads.data_sha256 is ", it->second, ", expected bytea"));
    }
    RETURN_IF_ERROR(add(it->first, it->second));
  }
  return layout;
}

std::string CopyLayout::CopySql(absl::string_view table) const {
  return absl::StrCat("COPY ", table, " (", absl::StrJoin(columns_, ", "),
                      ") FROM STDIN (FORMAT binary)");
}

void CopyLayout::AppendRow(const PayloadRow& row, BinaryCopyWriter& out) const {
  out.BeginRow(static_cast<int16_t>(layout_.size()));
  constexpr int16_t kZstd = static_cast<int16_t>(StorageEncoding::kZstd);
  for (const Column& column : layout_) {
    const std::string& name = column.name;
    if (name == "session_id") {
      out.AddBytes(row.session_id);
    } else if (name == "payload_id") {
      out.AddInt64(row.payload_id);
    } else if (name == "chunk_index") {
      out.AddInt32(row.chunk_index);
    } else if (name == "content_encoding") {
      out.AddInt16(row.content_encoding);
    } else if (name == "raw_size") {
      out.AddInt64(row.raw_size);
    } else if (name == "data") {
      out.AddBytes(row.data);
    } else if (name == "is_beacon") {
      out.AddBool(row.is_beacon);
    } else if (name == "received_at") {
      out.AddTimestamp(row.received_at);
    } else if (name == "kafka_partition") {
      out.AddInt32(row.kafka_partition);
    } else if (name == "kafka_offset") {
      out.AddInt64(row.kafka_offset);
    } else if (name == "data_sha256") {
      out.AddBytes(row.data_sha256);
    } else if (name == "storage_encoding") {
      switch (column.kind) {
        case Kind::kText: out.AddBytes(StorageName(storage_)); break;
        case Kind::kInt16: out.AddInt16(kZstd); break;
        case Kind::kInt32: out.AddInt32(kZstd); break;
        default: out.AddInt64(kZstd); break;  // bigint (checked)
      }
    }
  }
}

}  // namespace ingest::bench_worker
