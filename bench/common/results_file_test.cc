#include "bench/common/results_file.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/common/target_record.pb.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ResultsFileTest, AppendsOneLinePerWrite) {
  const std::string path = TempPath("results_file_test.jsonl");
  std::ofstream(path) << "{\"kind\":\"earlier\"}\n";
  ResultsFile file;
  ASSERT_TRUE(file.Open(path).ok());
  file.Write("{\"a\":1}");
  file.Write("{\"b\":2}");
  EXPECT_EQ(Contents(path), "{\"kind\":\"earlier\"}\n{\"a\":1}\n{\"b\":2}\n");
}

TEST(ResultsFileTest, WritesAMessageAsOneLineOfJson) {
  const std::string path = TempPath("results_file_message_test.jsonl");
  std::ofstream(path, std::ios::trunc);
  // A message with declared fields: JSON keeps their order (a Struct's map
  // would not, and made this test depend on hash order).
  TargetRecord result;
  result.set_kind("target");
  result.set_name("ratio@100KB");
  result.set_verdict("held");
  ResultsFile file;
  ASSERT_TRUE(file.Open(path).ok());
  file.Write(result);
  // Fields left empty are printed too, so every line has every column.
  EXPECT_EQ(Contents(path),
            "{\"kind\":\"target\",\"name\":\"ratio@100KB\","
            "\"verdict\":\"held\",\"detail\":\"\"}\n");
}

TEST(ResultsFileTest, NoPathMeansNoFile) {
  ResultsFile file;
  EXPECT_TRUE(file.Open("").ok());
  file.Write("ignored");
}

TEST(ResultsFileTest, UnwritablePathIsRefused) {
  ResultsFile file;
  EXPECT_EQ(file.Open(TempPath("no/such/dir/results.jsonl")).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ingest::bench
