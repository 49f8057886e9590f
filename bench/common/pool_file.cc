#include "bench/common/pool_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace ingest::bench {
namespace {

void AppendBigEndian32(size_t length, std::string& out) {
  if (length > std::numeric_limits<uint32_t>::max()) {
    std::fprintf(stderr, "AppendPoolRecord: %zu bytes do not fit a u32 length\n", length);
    std::abort();
  }
  const auto n = static_cast<uint32_t>(length);
  const char bytes[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                         static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(bytes, sizeof(bytes));
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

void AppendPoolRecord(absl::string_view key, absl::string_view value, std::string& out) {
  out.reserve(out.size() + 8 + key.size() + value.size());
  AppendBigEndian32(key.size(), out);
  out.append(key.data(), key.size());
  AppendBigEndian32(value.size(), out);
  out.append(value.data(), value.size());
}

absl::Status WritePoolRecords(const PayloadPool& pool, std::FILE* file) {
  std::string record;
  for (size_t i = 0; i < pool.size(); ++i) {
    record.clear();
    AppendPoolRecord(pool.raw_key(i), pool.raw_value(i), record);
    if (std::fwrite(record.data(), 1, record.size(), file) != record.size()) {
      return absl::InternalError(absl::StrCat("write failed at record ", i, " of ", pool.size()));
    }
  }
  return absl::OkStatus();
}

absl::Status WritePoolFile(const PayloadPool& pool, const std::string& path) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return ErrnoError("cannot create", temporary);
  absl::Status status = WritePoolRecords(pool, file);
  if (std::fclose(file) != 0 && status.ok()) status = ErrnoError("cannot write", temporary);
  if (status.ok() && std::rename(temporary.c_str(), path.c_str()) != 0) {
    status = ErrnoError("cannot rename to", path);
  }
  if (!status.ok()) std::remove(temporary.c_str());
  return status;
}

}  // namespace ingest::bench
