#include "services/common/status/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace ingest {
namespace {

int evaluations = 0;

absl::Status Counted(absl::Status status) {
  ++evaluations;
  return status;
}

absl::StatusOr<std::unique_ptr<std::string>> MakeText(absl::StatusOr<std::string> text) {
  ++evaluations;
  if (!text.ok()) return text.status();
  return std::make_unique<std::string>(*text);
}

absl::Status TwoSteps(absl::Status first, absl::Status second, int* reached) {
  RETURN_IF_ERROR(Counted(first));
  ++*reached;
  RETURN_IF_ERROR(Counted(second));
  ++*reached;
  return absl::OkStatus();
}

absl::StatusOr<size_t> LengthOf(absl::StatusOr<std::string> text) {
  ASSIGN_OR_RETURN(std::unique_ptr<std::string> owned, MakeText(std::move(text)));
  return owned->size();
}

absl::Status AssignExisting(absl::StatusOr<std::string> text, std::string* out) {
  ASSIGN_OR_RETURN(auto owned, MakeText(std::move(text)));
  ASSIGN_OR_RETURN(*out, absl::StatusOr<std::string>(*owned + "!"));
  return absl::OkStatus();
}

TEST(ReturnIfErrorTest, ReturnsTheFirstErrorAndStopsThere) {
  int reached = 0;
  evaluations = 0;
  const absl::Status status =
      TwoSteps(absl::OkStatus(), absl::NotFoundError("second"), &reached);
  EXPECT_EQ(status, absl::NotFoundError("second"));
  EXPECT_EQ(reached, 1);
  EXPECT_EQ(evaluations, 2);

  reached = 0;
  EXPECT_EQ(TwoSteps(absl::InternalError("first"), absl::OkStatus(), &reached),
            absl::InternalError("first"));
  EXPECT_EQ(reached, 0);
}

TEST(ReturnIfErrorTest, FallsThroughWhenOk) {
  int reached = 0;
  EXPECT_TRUE(TwoSteps(absl::OkStatus(), absl::OkStatus(), &reached).ok());
  EXPECT_EQ(reached, 2);
}

TEST(AssignOrReturnTest, MovesTheValueOutAndEvaluatesOnce) {
  evaluations = 0;
  absl::StatusOr<size_t> length = LengthOf(std::string("abc"));
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 3u);
  EXPECT_EQ(evaluations, 1);
}

TEST(AssignOrReturnTest, ReturnsTheErrorIntoAnotherStatusOrType) {
  EXPECT_EQ(LengthOf(absl::UnavailableError("down")).status(), absl::UnavailableError("down"));
}

TEST(AssignOrReturnTest, AssignsToAnExistingVariable) {
  std::string out;
  ASSERT_TRUE(AssignExisting(std::string("hi"), &out).ok());
  EXPECT_EQ(out, "hi!");
  EXPECT_EQ(AssignExisting(absl::DataLossError("x"), &out), absl::DataLossError("x"));
}

}  // namespace
}  // namespace ingest
