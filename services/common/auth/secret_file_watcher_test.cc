#include "services/common/auth/secret_file_watcher.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/polling.h"

namespace ingest {
namespace {

std::string TempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(root != nullptr ? root : "/tmp") + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Replaces `path` atomically (a new inode), as a Secret update does.
void Replace(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << contents;
  std::filesystem::rename(tmp, path);
}

// What the watcher installs: the text, unless it is "bad".
class Installed {
 public:
  absl::Status Apply(const std::string& contents) {
    if (contents.find("bad") != std::string::npos) return absl::InvalidArgumentError("unparsable");
    absl::MutexLock lock(&mu_);
    value_ = contents;
    ++applied_;
    return absl::OkStatus();
  }
  std::string value() {
    absl::MutexLock lock(&mu_);
    return value_;
  }
  int applied() {
    absl::MutexLock lock(&mu_);
    return applied_;
  }

 private:
  absl::Mutex mu_;
  std::string value_;
  int applied_ = 0;
};

absl::StatusOr<std::unique_ptr<SecretFileWatcher>> Watch(const std::string& path,
                                                         Installed& installed,
                                                         absl::Duration interval) {
  return SecretFileWatcher::Start(
      path, {.interval = interval, .what = "API keys", .flag = "--api_keys_file"},
      [&installed](const std::string& contents) { return installed.Apply(contents); });
}

TEST(SecretFileWatcherTest, AppliesAChangeAndNothingElse) {
  const std::string path = TempDir("change") + "/keys";
  Replace(path, "one");
  Installed installed;
  auto watcher = Watch(path, installed, absl::ZeroDuration());
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  EXPECT_EQ(installed.value(), "one");

  EXPECT_TRUE((*watcher)->CheckNow().ok());
  EXPECT_EQ(installed.applied(), 1) << "unchanged: not applied again";
  Replace(path, "one");  // a new inode with the same bytes
  EXPECT_TRUE((*watcher)->CheckNow().ok());
  EXPECT_EQ(installed.applied(), 1);

  Replace(path, "two");
  EXPECT_TRUE((*watcher)->CheckNow().ok());
  EXPECT_EQ(installed.value(), "two");
  EXPECT_EQ((*watcher)->reloads(), 1);
  EXPECT_EQ((*watcher)->failures(), 0);
}

TEST(SecretFileWatcherTest, ARefusedOrMissingFileKeepsWhatIsInForce) {
  const std::string path = TempDir("refused") + "/keys";
  Replace(path, "good");
  Installed installed;
  auto watcher = Watch(path, installed, absl::ZeroDuration());
  ASSERT_TRUE(watcher.ok()) << watcher.status();

  Replace(path, "bad secret-value");
  const absl::Status refused = (*watcher)->CheckNow();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find(path), std::string::npos) << refused;
  EXPECT_EQ(refused.message().find("secret-value"), std::string::npos)
      << "the file's contents never go into an error: " << refused;
  EXPECT_EQ(installed.value(), "good");

  std::filesystem::remove(path);
  EXPECT_EQ((*watcher)->CheckNow().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(installed.value(), "good");
  EXPECT_EQ((*watcher)->failures(), 2);

  Replace(path, "better");
  EXPECT_TRUE((*watcher)->CheckNow().ok());
  EXPECT_EQ(installed.value(), "better");
}

// A Kubernetes Secret volume: NAME -> ..data/NAME, ..data -> a timestamped
// directory, swapped atomically on update.
TEST(SecretFileWatcherTest, FollowsASecretVolumesSymlinkSwap) {
  const std::string dir = TempDir("volume");
  std::filesystem::create_directories(dir + "/ts1");
  std::filesystem::create_directories(dir + "/ts2");
  std::ofstream(dir + "/ts1/keys") << "v1";
  std::ofstream(dir + "/ts2/keys") << "v2";
  std::filesystem::create_directory_symlink("ts1", dir + "/..data");
  std::filesystem::create_symlink("..data/keys", dir + "/keys");
  Installed installed;
  auto watcher = Watch(dir + "/keys", installed, absl::ZeroDuration());
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  EXPECT_EQ(installed.value(), "v1");

  std::filesystem::create_directory_symlink("ts2", dir + "/..data_tmp");
  std::filesystem::rename(dir + "/..data_tmp", dir + "/..data");
  EXPECT_TRUE((*watcher)->CheckNow().ok());
  EXPECT_EQ(installed.value(), "v2");
}

TEST(SecretFileWatcherTest, ItsThreadPicksUpAChangeWithinTheInterval) {
  const std::string path = TempDir("thread") + "/keys";
  Replace(path, "before");
  Installed installed;
  auto watcher = Watch(path, installed, absl::Milliseconds(20));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  Replace(path, "after");
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return installed.value() == "after"; }));
  EXPECT_EQ((*watcher)->reloads(), 1);
}

TEST(SecretFileWatcherTest, StartFailsOnAFileItCannotUse) {
  Installed installed;
  const std::string dir = TempDir("start");
  const auto missing = Watch(dir + "/none", installed, absl::ZeroDuration());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("--api_keys_file"), std::string::npos)
      << missing.status();
  Replace(dir + "/bad", "bad");
  EXPECT_EQ(Watch(dir + "/bad", installed, absl::ZeroDuration()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest
