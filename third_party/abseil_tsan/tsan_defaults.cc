// ThreadSanitizer's defaults for the --config=tsan test binaries.
//
// Options: stop at the first report (so a test fails at the race, with both
// stacks), and keep the second stack of a lock-order inversion.
//
// One suppression, inside abseil itself: a waiting thread's ThreadIdentity is
// allocated (mmap, LowLevelAlloc) by that thread, and the thread that wakes it
// writes its semaphore (Waiter::Post) while the waiter is still inside
// Mutex::Lock, before TSan's model of the mutex gives the two any order.
// Abseil's Mutex tells TSan about itself through __tsan_mutex_* annotations;
// this write is the internals those annotations describe, not our code.
//
// And the interceptors (memcpy, free, ...) called from inside the libraries
// Debian ships uninstrumented (gRPC, librdkafka, abseil's Cord and Status that gRPC
// keeps messages in, protobuf and upb, gRPC's own protobuf runtime, copying
// call state at server shutdown): TSan sees their copies but
// not the synchronization around them (their own atomics and event loops), so
// it reports races inside them that are not there. Our code's accesses are
// still checked, including those to data these libraries hand over. For
// the same reason a lock of a mutex that lives in gRPC's objects (the first
// access TSan sees to memory gRPC allocated on another thread) is not
// reported: race_top matches only the access itself, at the lock.
//
// Likewise the first store of a unary callback handler (grpcpp's header code,
// compiled into our instrumented binary) into the CallbackRequest another
// gRPC thread allocated and handed over through libgrpc's completion queue:
// Deserialize only parses the request and sets its status, none of our code
// runs in it, so any frame of it in a report is enough (seen in
// payload_stream_call_test's InitializeSession at -O1, 2026-12-07, with the
// store, and with Status::operator= inlined above it).

extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1:history_size=4";
}

extern "C" const char* __tsan_default_suppressions() {
  return "race:absl::*::synchronization_internal::Waiter::Post\n"
         "called_from_lib:libgrpc.so\n"
         "called_from_lib:libgpr.so\n"
         "called_from_lib:libgrpc++.so\n"
         "called_from_lib:librdkafka.so\n"
         "called_from_lib:libabsl_cord.so\n"
         "called_from_lib:libabsl_status.so\n"
         "called_from_lib:libprotobuf.so\n"
         "called_from_lib:libupb.so\n"
         "race:grpc::internal::CallbackUnaryHandler<*>::Deserialize\n"
         "race_top:__tsan_mutex_pre_lock\n"
         "race_top:__tsan_mutex_post_lock\n";
}
