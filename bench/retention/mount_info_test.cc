#include "bench/retention/mount_info.h"

#include "gtest/gtest.h"

namespace ingest::bench_retention {
namespace {

constexpr char kMounts[] =
    "/dev/vda / ext4 rw,relatime,discard 0 0\n"
    "proc /proc proc rw,nosuid 0 0\n"
    "tmpfs /var/tmp tmpfs rw,nosuid 0 0\n"
    "/dev/vdb /var/tmpx xfs rw,noatime 0 0\n";

TEST(MountInfoTest, TheLongestMountPointThatHoldsThePathWins) {
  EXPECT_EQ(FileSystemOf(kMounts, "/var/tmp/pg/base"), "tmpfs rw,nosuid");
  EXPECT_EQ(FileSystemOf(kMounts, "/var/tmp"), "tmpfs rw,nosuid");
  EXPECT_EQ(FileSystemOf(kMounts, "/var/tmpx/pg"), "xfs rw,noatime");
  EXPECT_EQ(FileSystemOf(kMounts, "/var/tmpy"), "ext4 rw,relatime,discard")
      << "a mount point is a whole directory name, not a prefix of one";
  EXPECT_EQ(FileSystemOf(kMounts, "/work/main/.local"), "ext4 rw,relatime,discard");
}

TEST(MountInfoTest, NothingForARelativePathOrNoMounts) {
  EXPECT_EQ(FileSystemOf(kMounts, "relative/path"), "");
  EXPECT_EQ(FileSystemOf("", "/work"), "");
}

}  // namespace
}  // namespace ingest::bench_retention
