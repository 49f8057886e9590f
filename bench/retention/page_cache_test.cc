// EvictDayFromPageCache against a migrated database ($PG_DSN) on this
// machine: the day's files leave the page cache, other days' stay.

#include "bench/retention/page_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/common/retention/day_partitions.h"

namespace ingest::bench_retention {
namespace {

// Resident pages of the file at `path` (mincore over a read-only mapping).
int64_t ResidentPages(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat info {};
  fstat(fd, &info);
  int64_t resident = 0;
  if (info.st_size > 0) {
    void* map = mmap(nullptr, info.st_size, PROT_READ, MAP_SHARED, fd, 0);
    const long page = sysconf(_SC_PAGESIZE);
    std::vector<unsigned char> pages((info.st_size + page - 1) / page);
    if (map != MAP_FAILED && mincore(map, info.st_size, pages.data()) == 0) {
      for (unsigned char p : pages) resident += p & 1;
    }
    if (map != MAP_FAILED) munmap(map, info.st_size);
  }
  close(fd);
  return resident;
}

class PageCacheTest : public MigratedDatabaseTest {
 protected:
  std::string One(const std::string& sql) {
    auto result = db_->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  // The heap file of session_payloads' partition of `day`.
  std::string HeapFileOf(absl::CivilDay day) {
    return absl::StrCat(
        One("SHOW data_directory"), "/",
        One(absl::StrFormat("SELECT pg_relation_filepath('session_payloads_p%04d%02d%02d')",
                            day.year(), day.month(), day.day())));
  }

  void Fill(absl::CivilDay day) {
    ASSERT_TRUE(
        db_->Exec(absl::StrFormat("INSERT INTO session_payloads (session_id, payload_id, "
                                  "content_encoding, raw_size, data, received_at, kafka_partition, "
                                  "kafka_offset, expire_day) SELECT 's' || g, 1, 0, 1, "
                                  "decode(repeat('ab', 100), 'hex'), now(), 0, g, '%04d-%02d-%02d' "
                                  "FROM generate_series(1, 20000) g",
                                  day.year(), day.month(), day.day()))
            .ok());
  }
};

TEST_F(PageCacheTest, TheDaysFilesLeaveThePageCacheAndOtherDaysStay) {
  const absl::CivilDay today(2026, 12, 7);
  ASSERT_TRUE(EnsureDayPartitions(*db_, today, 1, {1}).ok());
  const absl::CivilDay day = today + 1;
  const absl::CivilDay other = today + 2;
  Fill(day);
  Fill(other);
  ASSERT_TRUE(db_->Exec("CHECKPOINT").ok());
  ASSERT_GT(ResidentPages(HeapFileOf(day)), 0) << "just written: cached";

  auto evicted = EvictDayFromPageCache(*db_, day);
  ASSERT_TRUE(evicted.ok()) << evicted.status();
  // session_payloads' partition, its TOAST table and their indexes, and
  // payload_facts' (empty files count too).
  EXPECT_GE(evicted->files, 4);
  EXPECT_GT(evicted->bytes, 20000 * 100);
  EXPECT_EQ(ResidentPages(HeapFileOf(day)), 0);
  EXPECT_GT(ResidentPages(HeapFileOf(other)), 0) << "another day is left alone";
}

TEST_F(PageCacheTest, ADayWithoutPartitionsEvictsNothing) {
  auto evicted = EvictDayFromPageCache(*db_, absl::CivilDay(2001, 1, 1));
  ASSERT_TRUE(evicted.ok()) << evicted.status();
  EXPECT_EQ(evicted->files, 0);
}

}  // namespace
}  // namespace ingest::bench_retention
