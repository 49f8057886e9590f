"""The abseil sources instrumented in --config=tsan builds (bazel/abseil_source.bzl)."""

ABSEIL_TSAN_VERSION = "20220623.1"

ABSEIL_TSAN_SRCS = [
    "absl/base/internal/cycleclock.cc",
    "absl/base/internal/low_level_alloc.cc",
    "absl/base/internal/spinlock.cc",
    "absl/base/internal/spinlock_wait.cc",
    "absl/base/internal/sysinfo.cc",
    "absl/base/internal/thread_identity.cc",
    "absl/base/internal/unscaledcycleclock.cc",
    "absl/synchronization/barrier.cc",
    "absl/synchronization/blocking_counter.cc",
    "absl/synchronization/internal/create_thread_identity.cc",
    "absl/synchronization/internal/graphcycles.cc",
    "absl/synchronization/internal/per_thread_sem.cc",
    "absl/synchronization/internal/waiter.cc",
    "absl/synchronization/mutex.cc",
    "absl/synchronization/notification.cc",
]
