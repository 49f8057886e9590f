#include "services/common/codec/bytes_field_reader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Reassembles the fields the reader reports.
class Collector : public BytesFieldReader::Handler {
 public:
  absl::Status OnFieldStart(uint32_t field_number, uint64_t length) override {
    fields.push_back({field_number, length, ""});
    return absl::OkStatus();
  }
  absl::Status OnFieldData(absl::string_view piece) override {
    EXPECT_FALSE(piece.empty());
    fields.back().data.append(piece.data(), piece.size());
    return absl::OkStatus();
  }
  absl::Status OnFieldEnd() override {
    EXPECT_EQ(fields.back().data.size(), fields.back().length);
    ++ended;
    return absl::OkStatus();
  }

  struct Field {
    uint32_t number;
    uint64_t length;
    std::string data;
  };
  std::vector<Field> fields;
  int ended = 0;
};

std::string Bytes(size_t size, char first) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(first + i % 13);
  return bytes;
}

// Feeds `message` split at `at` and at every `step` bytes after it.
absl::Status Read(BytesFieldReader& reader, absl::string_view message, size_t at, size_t step) {
  RETURN_IF_ERROR(reader.Update(message.substr(0, at)));
  for (size_t i = at; i < message.size(); i += step) {
    RETURN_IF_ERROR(reader.Update(message.substr(i, step)));
  }
  return reader.Finish();
}

TEST(BytesFieldReaderTest, ReportsEveryFieldWhereverThePiecesSplit) {
  v1::PayloadContent content;
  content.set_events(Bytes(300, 'a'));  // a two-byte length
  content.set_messages("m");
  content.set_errors(Bytes(20'000, 'e'));  // a three-byte length
  const std::string message = content.SerializeAsString();
  for (size_t at = 0; at <= message.size(); ++at) {
    for (size_t step : {size_t{1}, size_t{1000}, message.size()}) {
      Collector collector;
      BytesFieldReader reader(collector);
      ASSERT_TRUE(Read(reader, message, at, step).ok()) << at << " " << step;
      ASSERT_EQ(collector.fields.size(), 3u);
      EXPECT_EQ(collector.ended, 3);
      EXPECT_EQ(collector.fields[0].number, 1u);
      EXPECT_EQ(collector.fields[0].data, content.events());
      EXPECT_EQ(collector.fields[1].number, 2u);
      EXPECT_EQ(collector.fields[1].data, "m");
      EXPECT_EQ(collector.fields[2].number, 5u);
      EXPECT_EQ(collector.fields[2].data, content.errors());
    }
    if (at > 50 && at < message.size() - 50) at += 97;  // every boundary near the field edges
  }
}

TEST(BytesFieldReaderTest, AnEmptyFieldStartsAndEnds) {
  Collector collector;
  BytesFieldReader reader(collector);
  ASSERT_TRUE(reader.Update(std::string("\x0a\x00\x12\x01x", 5)).ok());
  ASSERT_TRUE(reader.Finish().ok());
  ASSERT_EQ(collector.fields.size(), 2u);
  EXPECT_EQ(collector.fields[0].length, 0u);
  EXPECT_EQ(collector.ended, 2);
}

TEST(BytesFieldReaderTest, AnEmptyMessageIsFine) {
  Collector collector;
  BytesFieldReader reader(collector);
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(BytesFieldReaderTest, RefusesOtherWireTypes) {
  for (char tag : {'\x08', '\x09', '\x0b', '\x0c', '\x0d', '\x0e'}) {  // field 1, types 0,1,3,4,5,6
    Collector collector;
    BytesFieldReader reader(collector);
    absl::Status status = reader.Update(std::string(1, tag) + "\x01");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << static_cast<int>(tag);
    EXPECT_NE(status.message().find("wire type"), absl::string_view::npos) << status;
  }
}

TEST(BytesFieldReaderTest, RefusesFieldNumberZero) {
  Collector collector;
  BytesFieldReader reader(collector);
  EXPECT_EQ(reader.Update("\x02\x01x").code(), absl::StatusCode::kInvalidArgument);
}

TEST(BytesFieldReaderTest, RefusesAnOverlongVarint) {
  Collector collector;
  BytesFieldReader reader(collector);
  EXPECT_EQ(reader.Update("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BytesFieldReaderTest, AMessageEndingInsideAFieldIsInvalidArgument) {
  Collector collector;
  BytesFieldReader reader(collector);
  ASSERT_TRUE(reader.Update("\x0a\x05" "abc").ok());
  absl::Status status = reader.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("inside field 1 (3 of its 5 bytes)"), absl::string_view::npos)
      << status;
}

TEST(BytesFieldReaderTest, AMessageEndingInsideATagOrLengthIsInvalidArgument) {
  for (absl::string_view partial : {"\x0a", "\x0a\x80", "\x82"}) {
    Collector collector;
    BytesFieldReader reader(collector);
    ASSERT_TRUE(reader.Update(partial).ok());
    EXPECT_EQ(reader.Finish().code(), absl::StatusCode::kInvalidArgument) << partial.size();
  }
}

TEST(BytesFieldReaderTest, TheHandlersErrorStopsTheReader) {
  class Refusing : public Collector {
    absl::Status OnFieldData(absl::string_view) override {
      return absl::InvalidArgumentError("no thanks");
    }
  } refusing;
  BytesFieldReader reader(refusing);
  EXPECT_EQ(reader.Update("\x0a\x01x").message(), "no thanks");
}

}  // namespace
}  // namespace ingest
