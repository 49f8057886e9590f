#pragma once

// A plain-text table with aligned columns, as `kubectl get` prints them:
// columns separated by two spaces, no borders, no trailing blanks. Pure: it
// only builds a string.

#include <string>
#include <vector>

namespace ingest::ingestctl {

enum class Align { kLeft, kRight };

struct Column {
  std::string header;
  Align align = Align::kLeft;
};

// Not thread-safe; build, render, throw away.
class Table {
 public:
  // An empty `header` on every column renders no header line (key/value
  // listings).
  explicit Table(std::vector<Column> columns);

  // Cells beyond the column count are dropped; missing cells are blank;
  // line breaks and tabs in a cell become spaces (one line per row).
  void AddRow(std::vector<std::string> cells);

  bool empty() const { return rows_.empty(); }

  // The header line (unless every header is empty), then one line per row,
  // each ending in '\n'. Widths count bytes, which is right for the ASCII
  // that ingestctl prints (ids, numbers, Kafka names).
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ingest::ingestctl
