#include "tools/loadgen/load_runner.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tools/loadgen/fake_clock.h"
#include "tools/loadgen/fake_ingest_client.h"

namespace ingest::loadgen {
namespace {

class NullObserver final : public SessionObserver {
 public:
  void OnRetry(const CallFailure&) override {}
  void OnGiveUp(const CallFailure&, int) override {}
};

// Counts sessions in flight (InitializeSession .. last payload) and holds
// each new session until `gate` sessions are in flight at once (or a generous
// deadline passes), so a pool with too many threads is caught overlapping.
class GatedClient final : public IngestClient {
 public:
  GatedClient(int gate, int payloads) : gate_(gate), payloads_(payloads) {}

  absl::StatusOr<std::string> InitializeSession(
      const ingest::v1::InitializeSessionRequest&) override {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
    peak_ = std::max(peak_, in_flight_);
    reached_gate_ = reached_gate_ || in_flight_ >= gate_;
    mu_.AwaitWithTimeout(absl::Condition(&reached_gate_), absl::Seconds(10));
    return absl::StrCat("s", ++started_);
  }

  absl::Status PushPayload(
      const ingest::v1::PushPayloadRequest& request) override {
    absl::MutexLock lock(&mu_);
    pushes_.insert(
        absl::StrCat(request.session_id(), "/", request.payload_id()));
    if (request.payload_id() == static_cast<uint64_t>(payloads_)) --in_flight_;
    return absl::OkStatus();
  }

  int peak() {
    absl::MutexLock lock(&mu_);
    return peak_;
  }
  size_t distinct_pushes() {
    absl::MutexLock lock(&mu_);
    return pushes_.size();
  }

 private:
  const int gate_;
  const int payloads_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int peak_ ABSL_GUARDED_BY(mu_) = 0;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  bool reached_gate_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> pushes_ ABSL_GUARDED_BY(mu_);
};

TEST(RunLoadTest, RunsEverySessionWithBoundedConcurrency) {
  constexpr int kSessions = 12, kPayloads = 3, kConcurrency = 3;
  GatedClient client(kConcurrency, kPayloads);
  const PayloadFactory factory({.seed = 1, .min_bytes = 1024,
                                .max_bytes = 2048});
  Ledger ledger;
  NullObserver observer;
  FakeClock clock;
  const SessionDriver driver({.payloads_per_session = kPayloads}, client,
                             factory, ledger, observer, clock);

  const LoadResult result = RunLoad(driver, kSessions, kConcurrency);

  EXPECT_EQ(result.sessions_started, kSessions);
  EXPECT_EQ(result.acked, kSessions * kPayloads);
  EXPECT_EQ(result.not_acked, 0);
  constexpr size_t kTotal = kSessions * kPayloads;
  EXPECT_EQ(ledger.size(), kTotal);
  EXPECT_EQ(client.distinct_pushes(), kTotal);
  EXPECT_EQ(client.peak(), kConcurrency);
}

TEST(RunLoadTest, CountsPayloadsOfFailedSessions) {
  FakeIngestClient client;
  client.ScriptInitialize({absl::PermissionDeniedError("no such project")});
  const PayloadFactory factory({.seed = 1, .min_bytes = 1024,
                                .max_bytes = 2048});
  Ledger ledger;
  NullObserver observer;
  FakeClock clock;
  const SessionDriver driver({.payloads_per_session = 4}, client, factory,
                             ledger, observer, clock);

  const LoadResult result = RunLoad(driver, 3, 1);

  EXPECT_EQ(result.sessions_started, 2);
  EXPECT_EQ(result.acked, 8);
  EXPECT_EQ(result.not_acked, 4);
}

TEST(RunLoadTest, ZeroSessionsIsANoOp) {
  FakeIngestClient client;
  const PayloadFactory factory({.seed = 1, .min_bytes = 1024,
                                .max_bytes = 2048});
  Ledger ledger;
  NullObserver observer;
  FakeClock clock;
  const SessionDriver driver({.payloads_per_session = 4}, client, factory,
                             ledger, observer, clock);
  const LoadResult result = RunLoad(driver, 0, 4);
  EXPECT_EQ(result.acked, 0);
  EXPECT_TRUE(client.init_requests().empty());
}

}  // namespace
}  // namespace ingest::loadgen
