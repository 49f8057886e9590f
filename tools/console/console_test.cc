#include "tools/console/console.h"

#include <cstdio>

#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::console {
namespace {

TEST(ConsoleTest, PlainOutputPrintsEachStatusOnItsOwnLine) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  console.SetStatus("loadgen: 1/2 acked");
  console.Log("retrying");
  console.SetStatus("loadgen: 2/2 acked");
  console.EndStatus();
  EXPECT_EQ(FileContents(file), "loadgen: 1/2 acked\nretrying\nloadgen: 2/2 acked\n");
  std::fclose(file);
}

TEST(ConsoleTest, TerminalRedrawsTheStatusLineInPlace) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/true);
  console.SetStatus("a 1");
  console.SetStatus("a 2");
  console.Log("retrying");
  console.EndStatus();
  console.Log("after");
  EXPECT_EQ(FileContents(file),
            "\r\033[Ka 1"
            "\r\033[Ka 2"
            "\r\033[Kretrying\na 2"
            "\n"
            "after\n");
  std::fclose(file);
}

}  // namespace
}  // namespace ingest::console
