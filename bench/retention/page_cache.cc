#include "bench/retention/page_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/retention/day_partitions.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_retention {
namespace {

// The files of one partition: itself, its TOAST table, their indexes.
constexpr char kRelationFilesSql[] = R"sql(
WITH r AS (SELECT oid, reltoastrelid FROM pg_class WHERE oid = $1::regclass),
     rels AS (SELECT oid FROM r UNION ALL SELECT reltoastrelid FROM r WHERE reltoastrelid <> 0)
SELECT pg_relation_filepath(oid) FROM rels
UNION ALL
SELECT pg_relation_filepath(indexrelid) FROM pg_index WHERE indrelid IN (SELECT oid FROM rels)
)sql";

// Every 1 GB segment of the relation file `base` (base, base.1, ...).
absl::Status EvictSegments(const std::string& base, Evicted& evicted) {
  for (int segment = 0;; ++segment) {
    const std::string path = segment == 0 ? base : absl::StrCat(base, ".", segment);
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT && segment > 0) return absl::OkStatus();
      return absl::UnavailableError(absl::StrCat(
          "cannot open ", path, " to take it out of the page cache: ", std::strerror(errno),
          " (run the benchmark as root or as postgres)"));
    }
    struct stat info {};
    if (fstat(fd, &info) == 0) evicted.bytes += info.st_size;
    // DONTNEED leaves dirty pages: written out first (a no-op after a
    // CHECKPOINT with fsync on; a cluster with fsync off leaves them dirty).
    const int advised = fdatasync(fd) == 0 ? posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) : errno;
    close(fd);
    if (advised != 0) {
      return absl::InternalError(absl::StrCat("fdatasync or posix_fadvise(DONTNEED) of ", path,
                                              ": ", std::strerror(advised)));
    }
    ++evicted.files;
  }
}

}  // namespace

absl::StatusOr<Evicted> EvictDayFromPageCache(PgConnection& db, absl::CivilDay day) {
  ASSIGN_OR_RETURN(PgResult directory, db.Query("SHOW data_directory", {}));
  const std::string data_directory = PQgetvalue(directory.get(), 0, 0);
  ASSIGN_OR_RETURN(std::vector<DayPartition> partitions, DayPartitionsBefore(db, day + 1));
  Evicted evicted;
  for (const DayPartition& partition : partitions) {
    if (partition.day != day) continue;
    ASSIGN_OR_RETURN(PgResult files, db.Query(kRelationFilesSql, {PgParam::Text(partition.name)}));
    for (int row = 0; row < PQntuples(files.get()); ++row) {
      RETURN_IF_ERROR(EvictSegments(
          absl::StrCat(data_directory, "/", PQgetvalue(files.get(), row, 0)), evicted));
    }
  }
  return evicted;
}

}  // namespace ingest::bench_retention
