#include "services/common/payload/stored_form.h"

#include "services/common/codec/zstd_bounds.h"
#include "services/common/crypto/sha256.h"

namespace ingest {

void SetStoredForm(absl::string_view raw, bool compress, int zstd_level, v1::Payload* payload) {
  payload->set_raw_size(raw.size());
  payload->set_raw_sha256(Sha256(raw));
  if (compress) {
    payload->set_storage_encoding(v1::STORAGE_ENCODING_ZSTD);
    payload->set_stored_data(ZstdCompress(raw, zstd_level));
  } else {
    payload->set_storage_encoding(v1::STORAGE_ENCODING_RAW);
    payload->set_stored_data(raw.data(), raw.size());
  }
}

}  // namespace ingest
