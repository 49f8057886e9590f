#include "services/common/http/http_message.h"

#include <string>

#include "gtest/gtest.h"

namespace ingest::http {
namespace {

TEST(ParseRequestHeadTest, CompleteGetWithHeaders) {
  const ParsedHead parsed =
      ParseRequestHead("GET /readyz HTTP/1.1\r\nHost: x\r\nUser-Agent: kube-probe\r\n\r\n", 8192);
  ASSERT_EQ(parsed.status, HeadStatus::kComplete);
  EXPECT_EQ(parsed.head.method, "GET");
  EXPECT_EQ(parsed.head.path, "/readyz");
}

TEST(ParseRequestHeadTest, DropsTheQueryString) {
  const ParsedHead parsed = ParseRequestHead("GET /livez?verbose=1 HTTP/1.0\r\n\r\n", 8192);
  ASSERT_EQ(parsed.status, HeadStatus::kComplete);
  EXPECT_EQ(parsed.head.path, "/livez");
}

TEST(ParseRequestHeadTest, AcceptsBareLineFeeds) {
  EXPECT_EQ(ParseRequestHead("GET /livez HTTP/1.1\nHost: x\n\n", 8192).status,
            HeadStatus::kComplete);
}

TEST(ParseRequestHeadTest, WaitsForTheBlankLine) {
  EXPECT_EQ(ParseRequestHead("", 8192).status, HeadStatus::kIncomplete);
  EXPECT_EQ(ParseRequestHead("GET /livez HTTP/1.1\r\nHost: x\r\n", 8192).status,
            HeadStatus::kIncomplete);
}

TEST(ParseRequestHeadTest, RejectsWhatIsNotAnHttpRequestLine) {
  for (const char* head : {"GET /livez\r\n\r\n", "GET livez HTTP/1.1\r\n\r\n",
                           "GET  /livez HTTP/1.1\r\n\r\n", "GET /livez SPDY/3\r\n\r\n",
                           "\r\n\r\n"}) {
    EXPECT_EQ(ParseRequestHead(head, 8192).status, HeadStatus::kMalformed) << head;
  }
}

TEST(ParseRequestHeadTest, HeadsOverTheLimitAreTooLarge) {
  const std::string head = "GET /livez HTTP/1.1\r\nX-Pad: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_EQ(ParseRequestHead(head, head.size()).status, HeadStatus::kComplete);
  EXPECT_EQ(ParseRequestHead(head, head.size() - 1).status, HeadStatus::kTooLarge);
  // No blank line within the limit: too large without waiting for more.
  EXPECT_EQ(ParseRequestHead(head.substr(0, 64), 64).status, HeadStatus::kTooLarge);
}

TEST(ParseRequestHeadTest, IgnoresABodyAfterTheHead) {
  EXPECT_EQ(ParseRequestHead("POST /readyz HTTP/1.1\r\n\r\n" + std::string(100, 'b'), 32).status,
            HeadStatus::kComplete);
}

TEST(FormatResponseTest, ClosesAndCountsTheBody) {
  EXPECT_EQ(FormatResponse(503, "not assigned\n", "Retry-After: 1\r\n"),
            "HTTP/1.1 503 Service Unavailable\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 13\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "Retry-After: 1\r\n"
            "\r\n"
            "not assigned\n");
}

}  // namespace
}  // namespace ingest::http
