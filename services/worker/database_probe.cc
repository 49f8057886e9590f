#include "services/worker/database_probe.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest {

DatabaseProbe::DatabaseProbe(std::unique_ptr<TaskStore> store, absl::Duration interval)
    : store_(std::move(store)), interval_(interval), thread_([this] { Loop(); }) {}

DatabaseProbe::~DatabaseProbe() {
  stop_.Notify();
  thread_.join();
}

std::string DatabaseProbe::LastError() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

void DatabaseProbe::Loop() {
  do {
    const absl::Status status = store_->Ping();
    absl::MutexLock lock(&mu_);
    last_error_ = status.ok() ? "" : absl::StrCat("database unreachable: ", status.ToString());
  } while (!stop_.WaitForNotificationWithTimeout(interval_));
}

}  // namespace ingest
