#include "services/broker_proxy/ingestctl/table.h"

#include <algorithm>
#include <utility>


namespace ingest::ingestctl {

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  // One line per row: a multi-line cell (a PostgreSQL error with its
  // CONTEXT line, say) is joined with spaces.
  for (std::string& cell : cells) {
    std::replace_if(
        cell.begin(), cell.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; },
        ' ');
  }
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  const bool has_header = std::any_of(columns_.begin(), columns_.end(),
                                      [](const Column& c) { return !c.header.empty(); });
  std::vector<size_t> widths(columns_.size(), 0);
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (has_header) widths[i] = columns_[i].header.size();
    for (const auto& row : rows_) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "  ";
      const std::string padding(widths[i] - cells[i].size(), ' ');
      if (columns_[i].align == Align::kRight) {
        line += padding + cells[i];
      } else {
        line += cells[i] + padding;
      }
    }
    // Left-aligned last columns and blank cells would leave trailing blanks.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  };
  if (has_header) {
    std::vector<std::string> headers;
    for (const Column& c : columns_) headers.push_back(c.header);
    render_line(headers);
  }
  for (const auto& row : rows_) render_line(row);
  return out;
}

}  // namespace ingest::ingestctl
