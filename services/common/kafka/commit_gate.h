#pragma once

// CommitGate: decides when a consumer may send a Kafka offset commit.
//
// The worker's commits are for lag monitoring only (the database holds the
// offsets that matter), so skipping one costs nothing, while sending one
// with a stale membership costs a lot: librdkafka holds a commit while the
// group coordinator is unreachable and sends it when the coordinator is
// back, with the member id it has then; a static member that rejoined
// meanwhile under a new id is answered FENCED_INSTANCE_ID, which librdkafka
// makes fatal. So a commit is sent only while the membership is settled:
//  - not during a rebalance callback, nor while the assignment is lost;
//  - not while an earlier commit is still unanswered (at most one is ever
//    held by librdkafka), unless it has been unanswered for `quiet`;
//  - not within `quiet` after any sign of trouble: a client error (broker
//    down, coordinator lost), a failed commit, a revocation;
//  - not more often than every `interval`: a commit in flight when the
//    coordinator dies is the one librdkafka may deliver late, so the less
//    time a commit spends in flight, the better (a commit per batch kept
//    one in flight nearly all the time).
// `quiet` should be at least the session timeout: by then a member that lost
// its session knows it. (A commit already held for the coordinator may
// still go out late; RecreatingConsumer heals the fencing that follows.)
//
// Not thread-safe: the consumer's poll thread owns it.

#include "absl/time/time.h"

namespace ingest {

class CommitGate {
 public:
  CommitGate(absl::Duration quiet, absl::Duration interval)
      : quiet_(quiet), interval_(interval) {}

  // Whether a commit may be sent at `now` (`assignment_lost`: librdkafka's
  // rd_kafka_assignment_lost()).
  bool MaySend(absl::Time now, bool assignment_lost) const;

  void Sent(absl::Time now);
  // The answer to the commit sent last arrived.
  void Answered(bool ok, absl::Time now);
  // Something suggests the membership may be in doubt.
  void Trouble(absl::Time now);
  void RebalanceStarted() { in_rebalance_ = true; }
  void RebalanceEnded() { in_rebalance_ = false; }

 private:
  const absl::Duration quiet_;
  const absl::Duration interval_;
  bool in_rebalance_ = false;
  bool outstanding_ = false;
  absl::Time sent_at_ = absl::InfinitePast();
  absl::Time quiet_until_ = absl::InfinitePast();
};

}  // namespace ingest
