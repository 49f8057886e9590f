#pragma once

// SIGTERM/SIGINT handling for the service mains.
//
// Call BlockShutdownSignals() first thing in main(), before any thread is
// started, so every thread inherits the mask; then WaitForShutdownSignal()
// on the main thread returns the signal that arrived.

namespace ingest {

void BlockShutdownSignals();

// Blocks until SIGTERM or SIGINT; returns the signal number.
int WaitForShutdownSignal();

}  // namespace ingest
