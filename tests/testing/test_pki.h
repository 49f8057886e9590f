#pragma once

// A throwaway PKI for TLS tests, made once per test binary by
// deploy/local/make_pki.sh (add "//deploy/local:make_pki.sh" to the test's
// data) in TEST_TMPDIR/pki: ca.crt, server.{crt,key}, client.{crt,key},
// expired.{crt,key}, other-ca.crt, other-server.{crt,key}.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ingest {

// The path of `name` in the test PKI (made on first use).
inline std::string TestPkiFile(const std::string& name) {
  static const std::string* const dir = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    auto* path = new std::string(std::string(tmp != nullptr ? tmp : "/tmp") + "/pki");
    const std::string command = absl::StrCat("bash deploy/local/make_pki.sh ", *path);
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return path;
  }();
  return *dir + "/" + name;
}

// The whole contents of a (PEM) file.
inline std::string ReadTestFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace ingest
