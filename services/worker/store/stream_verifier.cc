#include "services/worker/store/stream_verifier.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/sha256.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"

namespace ingest {
namespace {

constexpr char kReadChunk[] = R"sql(
SELECT storage_encoding, raw_size, data FROM session_payloads
WHERE session_id = $1 AND payload_id = $2::bigint AND chunk_index = $3::integer
)sql";

// Counted once: a re-verified stream (a resent last chunk) only refreshes it.
constexpr char kMarkVerified[] = R"sql(
INSERT INTO payload_streams AS v (session_id, payload_id, chunk_count, raw_size, sha256,
                                  kafka_partition, kafka_offset)
VALUES ($1, $2::bigint, $3::integer, $4::bigint, $5, $6::integer, $7::bigint)
ON CONFLICT (session_id, payload_id) DO UPDATE SET
  chunk_count = EXCLUDED.chunk_count, raw_size = EXCLUDED.raw_size, sha256 = EXCLUDED.sha256,
  kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset,
  verified_at = now()
RETURNING (xmax = 0) AS inserted
)sql";

constexpr char kForget[] = R"sql(
WITH chunk AS (
  DELETE FROM session_payloads
  WHERE session_id = $1 AND payload_id = $2::bigint AND chunk_index = $3::integer)
DELETE FROM payload_streams WHERE session_id = $1 AND payload_id = $2::bigint
)sql";

struct Digest {
  std::string sha256;
  int64_t bytes = 0;
  std::string missing;  // set when a chunk is absent or unreadable
};

absl::StatusOr<Digest> HashChunks(PgConnection& db, const v1::Task& task) {
  Digest digest;
  Sha256Hasher hasher;
  for (uint32_t index = 0; index < task.chunk_count(); ++index) {
    absl::StatusOr<PgResult> result =
        db.Query(kReadChunk,
                 {PgParam::Text(task.session_id()),
                  PgParam::Int(static_cast<int64_t>(task.payload_id())), PgParam::Int(index)},
                 PgFormat::kBinary);
    if (!result.ok()) return result.status();
    const PGresult* row = result->get();
    if (PQntuples(row) == 0) {
      digest.missing = absl::StrCat("chunk ", index, " of ", task.chunk_count(), " is missing");
      return digest;
    }
    absl::StatusOr<std::string> raw = DecodeStoredData(
        static_cast<int>(BinaryValueInt(row, 0, 0)), BinaryValueBytes(row, 0, 2),
        BinaryValueInt(row, 0, 1));
    if (!raw.ok()) {
      digest.missing = absl::StrCat("chunk ", index, " is unreadable: ", raw.status().message());
      return digest;
    }
    hasher.Update(*raw);
    digest.bytes += static_cast<int64_t>(raw->size());
  }
  digest.sha256 = hasher.Finish();
  return digest;
}

std::string MismatchDetail(const v1::Task& task, const Digest& digest) {
  const std::string what =
      !digest.missing.empty()
          ? digest.missing
          : absl::StrCat("its ", task.chunk_count(), " chunks hold ", digest.bytes,
                         " bytes with SHA-256 ", absl::BytesToHexString(digest.sha256),
                         ", the last chunk declares ", task.payload().total_bytes(),
                         " bytes with SHA-256 ", absl::BytesToHexString(task.payload().sha256()));
  return absl::StrCat("streamed payload ", task.payload_id(), " of session ", task.session_id(),
                      " does not verify: ", what,
                      "; it was not counted and its last chunk was not stored");
}

}  // namespace

absl::StatusOr<StreamVerdict> VerifyStream(PgConnection& db, int32_t partition,
                                           const TaskRecord& last_chunk) {
  const v1::Task& task = last_chunk.task;
  absl::StatusOr<Digest> digest = HashChunks(db, task);
  if (!digest.ok()) return digest.status();
  const std::vector<PgParam> key = {PgParam::Text(task.session_id()),
                                    PgParam::Int(static_cast<int64_t>(task.payload_id()))};
  StreamVerdict verdict;
  verdict.verified = digest->missing.empty() && digest->sha256 == task.payload().sha256() &&
                     digest->bytes == static_cast<int64_t>(task.payload().total_bytes());
  if (!verdict.verified) {
    verdict.detail = MismatchDetail(task, *digest);
    absl::Status forgotten =
        db.Query(kForget, {key[0], key[1], PgParam::Int(task.chunk_index())}).status();
    if (!forgotten.ok()) return forgotten;
    return verdict;
  }
  absl::StatusOr<PgResult> marked = db.Query(
      kMarkVerified, {key[0], key[1], PgParam::Int(task.chunk_count()), PgParam::Int(digest->bytes),
                      PgParam::Bytes(digest->sha256), PgParam::Int(partition),
                      PgParam::Int(last_chunk.offset)});
  if (!marked.ok()) return marked.status();
  verdict.newly_verified = PQgetvalue(marked->get(), 0, 0)[0] == 't';
  return verdict;
}

}  // namespace ingest
