#pragma once

// Reads back everything a test wrote to a std::FILE (usually std::tmpfile()),
// for tests of code that prints to a stream.

#include <cstdio>
#include <string>

namespace ingest {

inline std::string FileContents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  return text;
}

}  // namespace ingest
