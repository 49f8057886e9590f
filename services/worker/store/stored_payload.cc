#include "services/worker/store/stored_payload.h"

#include "absl/strings/str_cat.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/payload/stored_form.h"

namespace ingest {

bool IsStreamedChunk(const v1::Task& task) { return task.payload().total_bytes() > 0; }

bool IsLastStreamChunk(const v1::Task& task) {
  return IsStreamedChunk(task) && task.chunk_index() + 1 == task.chunk_count();
}

std::string StoredBytesOf(const v1::Task& task) {
  return IsStreamedChunk(task) ? task.payload().chunk_data()
                               : task.payload().content().SerializeAsString();
}

StoredPayload::StoredPayload(const v1::Task& task) {
  if (HasStoredForm(task.payload())) {
    borrowed_ = &task.payload();
    return;
  }
  SetStoredForm(StoredBytesOf(task), /*compress=*/true, kDefaultStoredZstdLevel, &built_);
}

std::string EncodeStoredData(absl::string_view raw) {
  return ZstdCompress(raw, kDefaultStoredZstdLevel);
}

absl::StatusOr<std::string> DecodeStoredData(int encoding, absl::string_view data,
                                             int64_t raw_size) {
  switch (static_cast<StorageEncoding>(encoding)) {
    case StorageEncoding::kRaw:
      return std::string(data);
    case StorageEncoding::kZstd: {
      absl::StatusOr<std::string> raw = ZstdDecompressBounded(data, raw_size);
      if (raw.ok() && static_cast<int64_t>(raw->size()) != raw_size) {
        return absl::InvalidArgumentError(absl::StrCat(
            "stored payload decompresses to ", raw->size(), " bytes, raw_size says ", raw_size));
      }
      return raw;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown storage_encoding ", encoding));
}

}  // namespace ingest
