#include "tools/chaos/marks.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

absl::Time Ms(int64_t unix_ms) { return absl::FromUnixMillis(unix_ms); }

TEST(ParseMarksTest, OnePair) {
  const absl::StatusOr<FaultMarks> marks =
      ParseMarks("fault_start 1700000012000\nfault_end 1700000018500\n");
  ASSERT_TRUE(marks.ok()) << marks.status();
  ASSERT_EQ(marks->windows.size(), 1u);
  EXPECT_EQ(marks->first_start(), Ms(1700000012000));
  EXPECT_EQ(marks->last_end(), Ms(1700000018500));
}

TEST(ParseMarksTest, RepeatedPairsAreWindowsInOrder) {
  const absl::StatusOr<FaultMarks> marks = ParseMarks(
      "# broker killed three times\n"
      "fault_start 1000\nfault_end 2000\n"
      "\n"
      "  fault_start   3000  \nfault_end 4000\n"
      "fault_start 4000\nfault_end 4000");  // no final newline; empty window
  ASSERT_TRUE(marks.ok()) << marks.status();
  EXPECT_EQ(marks->windows, (std::vector<FaultWindow>{
                                {Ms(1000), Ms(2000)}, {Ms(3000), Ms(4000)}, {Ms(4000), Ms(4000)}}));
  EXPECT_EQ(marks->first_start(), Ms(1000));
  EXPECT_EQ(marks->last_end(), Ms(4000));
}

TEST(ParseMarksTest, RejectsWhatCannotBeAFaultSequence) {
  for (const char* text : {
           "",                                      // nothing
           "# only a comment\n",                    // nothing
           "fault_start 1000\n",                    // never ended
           "fault_end 1000\n",                      // never started
           "fault_start 1000\nfault_start 2000\n",  // nested
           "fault_start 2000\nfault_end 1000\n",    // ends before it starts
           "fault_start 1000\nfault_end 3000\nfault_start 2000\nfault_end 4000\n",  // overlap
           "fault_begin 1000\nfault_end 2000\n",        // unknown keyword
           "fault_start soon\nfault_end 2000\n",        // bad time
           "fault_start 1000 extra\nfault_end 2000\n",  // extra word
           "fault_start -5\nfault_end 2000\n",          // not a time
       }) {
    const absl::StatusOr<FaultMarks> marks = ParseMarks(text);
    EXPECT_EQ(marks.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(ParseMarksTest, ErrorsNameTheLine) {
  const absl::Status status = ParseMarks("fault_start 1000\n\nfault_end 500\n").status();
  EXPECT_NE(status.message().find("line 3"), absl::string_view::npos) << status.message();
}

TEST(ValidateMarksForRunTest, RejectsMarksFromBeforeTheLoadOrFromTheFuture) {
  const FaultMarks marks{{{Ms(10'000), Ms(20'000)}}};
  EXPECT_TRUE(ValidateMarksForRun(marks, Ms(5'000), Ms(30'000)).ok());
  EXPECT_EQ(ValidateMarksForRun(marks, Ms(11'000), Ms(30'000)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidateMarksForRun(marks, Ms(5'000), Ms(19'000)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ReadMarksFileTest, ReadsAFileAndExplainsAMissingOne) {
  const std::string path = ::testing::TempDir() + "/marks";
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("fault_start 1000\nfault_end 2000\n", file);
  std::fclose(file);
  const absl::StatusOr<FaultMarks> marks = ReadMarksFile(path);
  ASSERT_TRUE(marks.ok()) << marks.status();
  EXPECT_EQ(marks->last_end(), Ms(2000));

  const absl::Status missing = ReadMarksFile(path + ".missing").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("fault_start"), absl::string_view::npos);
}

}  // namespace
}  // namespace ingest::chaos
