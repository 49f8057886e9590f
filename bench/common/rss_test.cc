#include "bench/common/rss.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

constexpr char kStatus[] =
    "Name:\tgateway\n"
    "VmPeak:\t  912344 kB\n"
    "VmHWM:\t   61000 kB\n"
    "VmRSS:\t   40960 kB\n"
    "RssAnon:\t   30000 kB\n";

TEST(ParseVmRssBytesTest, ReadsKilobytes) {
  EXPECT_EQ(*ParseVmRssBytes(kStatus), int64_t{40960} * 1024);
}

TEST(ParseVmRssBytesTest, MissingLineIsNotFound) {
  EXPECT_EQ(ParseVmRssBytes("Name:\tkthreadd\nVmPeak: 1 kB\n").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ParseVmRssBytesTest, MalformedLineIsAnError) {
  EXPECT_EQ(ParseVmRssBytes("VmRSS:\t 12 MB\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseVmRssBytes("VmRSS:\t\n").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ReadVmRssBytesTest, ReadsThisProcess) {
  const absl::StatusOr<int64_t> rss = ReadVmRssBytes(getpid());
  ASSERT_TRUE(rss.ok()) << rss.status();
  EXPECT_GT(*rss, 0);
}

TEST(RssSamplerTest, KeepsThePeakOfItsSamples) {
  RssSampler sampler(getpid(), absl::Hours(1));  // the first and last samples only
  sampler.Stop();
  EXPECT_TRUE(sampler.status().ok()) << sampler.status();
  EXPECT_EQ(sampler.samples(), 2);
  EXPECT_GT(sampler.peak_bytes(), 0);
}

}  // namespace
}  // namespace ingest::bench
