#pragma once

// A BrokerProxyClient for tests: answers every RPC with the canned response
// or status set for it (UNIMPLEMENTED when none was set) and records the
// requests it was sent. Single-threaded, like the real one's users.

#include <deque>
#include <vector>

#include "absl/status/statusor.h"
#include "services/broker_proxy/ingestctl/broker_proxy_client.h"

namespace ingest::ingestctl {

class FakeBrokerProxyClient final : public BrokerProxyClient {
 public:
  // Canned answers; a queue so `lag --watch` can see a sequence. The last
  // answer of a queue is repeated once the others are used up.
  std::deque<absl::StatusOr<v1::EnsureTopicsResponse>> ensure_topics;
  std::deque<absl::StatusOr<v1::DescribeTopicResponse>> describe_topic;
  std::deque<absl::StatusOr<v1::GetConsumerLagResponse>> consumer_lag;
  std::deque<absl::StatusOr<v1::ListDeadLettersResponse>> list_dead_letters;
  std::deque<absl::StatusOr<v1::RedriveSessionResponse>> redrive_session;
  std::deque<absl::StatusOr<v1::ReplaySessionResponse>> replay_session;
  std::deque<absl::StatusOr<v1::ResetOffsetsResponse>> reset_offsets;
  std::deque<absl::StatusOr<v1::GetSessionResponse>> get_session;
  std::deque<absl::StatusOr<v1::ListSessionsResponse>> list_sessions;
  std::deque<absl::StatusOr<v1::EraseSessionsResponse>> erase_sessions;
  std::deque<absl::StatusOr<v1::EnforceRetentionResponse>> enforce_retention;

  // Requests received, in order.
  std::vector<v1::EnsureTopicsRequest> ensure_topics_requests;
  std::vector<v1::DescribeTopicRequest> describe_topic_requests;
  std::vector<v1::GetConsumerLagRequest> consumer_lag_requests;
  std::vector<v1::ListDeadLettersRequest> list_dead_letters_requests;
  std::vector<v1::RedriveSessionRequest> redrive_session_requests;
  std::vector<v1::ReplaySessionRequest> replay_session_requests;
  std::vector<v1::ResetOffsetsRequest> reset_offsets_requests;
  std::vector<v1::GetSessionRequest> get_session_requests;
  std::vector<v1::ListSessionsRequest> list_sessions_requests;
  std::vector<v1::EraseSessionsRequest> erase_sessions_requests;
  std::vector<v1::EnforceRetentionRequest> enforce_retention_requests;

  absl::StatusOr<v1::EnsureTopicsResponse> EnsureTopics(
      const v1::EnsureTopicsRequest& request) override {
    return Answer(request, ensure_topics_requests, ensure_topics);
  }
  absl::StatusOr<v1::DescribeTopicResponse> DescribeTopic(
      const v1::DescribeTopicRequest& request) override {
    return Answer(request, describe_topic_requests, describe_topic);
  }
  absl::StatusOr<v1::GetConsumerLagResponse> GetConsumerLag(
      const v1::GetConsumerLagRequest& request) override {
    return Answer(request, consumer_lag_requests, consumer_lag);
  }
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request) override {
    return Answer(request, list_dead_letters_requests, list_dead_letters);
  }
  absl::StatusOr<v1::RedriveSessionResponse> RedriveSession(
      const v1::RedriveSessionRequest& request) override {
    return Answer(request, redrive_session_requests, redrive_session);
  }
  absl::StatusOr<v1::ReplaySessionResponse> ReplaySession(
      const v1::ReplaySessionRequest& request) override {
    return Answer(request, replay_session_requests, replay_session);
  }
  absl::StatusOr<v1::ResetOffsetsResponse> ResetOffsets(
      const v1::ResetOffsetsRequest& request) override {
    return Answer(request, reset_offsets_requests, reset_offsets);
  }
  absl::StatusOr<v1::GetSessionResponse> GetSession(
      const v1::GetSessionRequest& request) override {
    return Answer(request, get_session_requests, get_session);
  }
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(
      const v1::ListSessionsRequest& request) override {
    return Answer(request, list_sessions_requests, list_sessions);
  }
  absl::StatusOr<v1::EraseSessionsResponse> EraseSessions(
      const v1::EraseSessionsRequest& request) override {
    return Answer(request, erase_sessions_requests, erase_sessions);
  }
  absl::StatusOr<v1::EnforceRetentionResponse> EnforceRetention(
      const v1::EnforceRetentionRequest& request) override {
    return Answer(request, enforce_retention_requests, enforce_retention);
  }

 private:
  template <typename Request, typename Response>
  static absl::StatusOr<Response> Answer(const Request& request, std::vector<Request>& requests,
                                         std::deque<absl::StatusOr<Response>>& answers) {
    requests.push_back(request);
    if (answers.empty()) {
      return absl::UnimplementedError("the fake has no answer for this RPC");
    }
    absl::StatusOr<Response> answer = answers.front();
    if (answers.size() > 1) answers.pop_front();
    return answer;
  }
};

}  // namespace ingest::ingestctl
