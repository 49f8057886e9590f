// worker: Kafka ingest.tasks -> PostgreSQL. See README.md.

#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "services/common/logging/log.h"
#include "services/common/server/process_setup.h"
#include "services/common/server/shutdown_signal.h"
#include "services/worker/flags.h"
#include "services/worker/migrate_command.h"
#include "services/worker/worker_app.h"

int main(int argc, char** argv) {
  if (argc > 1 && absl::string_view(argv[1]) == "migrate") {
    auto options = ingest::ParseMigrateArgs(argc - 1, argv + 1);
    if (!options.ok()) {
      std::fprintf(stderr, "worker migrate: %s\n", std::string(options.status().message()).c_str());
      return 2;
    }
    return ingest::RunMigrateCommand(*options);
  }
  ingest::DisableMutexDeadlockDetection();
  ingest::BlockShutdownSignals();
  auto options = ingest::ParseWorkerFlags(argc, argv);
  if (!options.ok()) {
    ingest::log::Error("worker.bad_flags", {{"error", options.status().ToString()}});
    return 2;
  }
  auto app = ingest::WorkerApp::Create(*options);
  if (!app.ok()) {
    ingest::log::Error("worker.start_failed", {{"error", app.status().ToString()}});
    return 1;
  }
  absl::Notification stop;
  std::thread signal_waiter([&stop] {
    const int signal_number = ingest::WaitForShutdownSignal();
    ingest::log::Info("worker.shutdown_requested", {{"signal", signal_number}});
    stop.Notify();
  });
  if (const absl::Status status = (*app)->Run(stop); !status.ok()) {
    ingest::log::Error("worker.exit", {{"status", status.ToString()},
                                       {"detail", "exiting so that the worker is restarted"}});
    signal_waiter.detach();  // still waiting for a signal that will not come
    return 1;
  }
  signal_waiter.join();
  return 0;
}
