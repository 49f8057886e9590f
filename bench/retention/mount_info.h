#pragma once

// Which file system a directory is on, and mounted how: dropping a day's
// partitions frees its files, which costs what the file system makes it
// cost (ext4 mounted with `discard` trims every freed extent before the
// unlink returns), so the benchmark says where the database lives.

#include <string>

#include "absl/strings/string_view.h"

namespace ingest::bench_retention {

// "ext4 rw,relatime,discard" for `path` (absolute, symlinks resolved) in
// `mounts` (the text of /proc/self/mounts): the entry with the longest mount
// point that contains it. Empty when none does. Pure.
std::string FileSystemOf(absl::string_view mounts, absl::string_view path);

// The same for a path on this machine (/proc/self/mounts; symlinks
// resolved). Empty when it cannot be told.
std::string FileSystemOfPath(const std::string& path);

}  // namespace ingest::bench_retention
