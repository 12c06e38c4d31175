// defines: load_csv, and the RFC 4180 record reader it is built on.
// Records are read from the whole file in memory: quoted fields may hold commas, doubled quotes
// and line breaks; records end at LF or CRLF. Errors carry the line where the record starts.
#include "engine/data/csv_loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/errors.h"

namespace batchlab {
namespace {

struct Record {
  std::vector<std::string> fields;
  int line = 0;        // 1-based line where the record starts
  bool blank = false;  // an empty line: one empty, unquoted field
};

class RecordReader {
 public:
  RecordReader(std::string text, std::string path)
      : text_(std::move(text)), path_(std::move(path)) {
    // A UTF-8 byte order mark (spreadsheet exports) is not part of the first column's name.
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  bool next(Record& rec) {
    if (pos_ >= text_.size()) return false;
    rec.fields.clear();
    rec.line = line_;
    std::string field;
    bool quoted_any = false;
    for (;;) {
      if (pos_ < text_.size() && text_[pos_] == '"') {
        quoted_any = true;
        read_quoted(field, rec.line);
      }
      // Unquoted text (or text after a closing quote, kept as written).
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
             !(text_[pos_] == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n')))
        field += text_[pos_++];
      rec.fields.push_back(std::move(field));
      field.clear();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      break;
    }
    rec.blank = rec.fields.size() == 1 && rec.fields[0].empty() && !quoted_any;
    return true;
  }

 private:
  void read_quoted(std::string& field, int start_line) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= text_.size())
        throw DataError(path_ + ":" + std::to_string(start_line) +
                        ": quoted field is never closed");
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field += '"';
          ++pos_;
          continue;
        }
        return;
      }
      if (c == '\n') ++line_;
      field += c;
    }
  }

  std::string text_;
  std::string path_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Tokens spreadsheets and pandas write for "no value"; NaN is treated the same way.
bool is_missing(std::string_view s) {
  static constexpr std::string_view kMissing[] = {"",    "NA",  "N/A",  "n/a",  "na", "NaN",
                                                  "nan", "NAN", "null", "NULL", "?"};
  return std::find(std::begin(kMissing), std::end(kMissing), s) != std::end(kMissing);
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Features and targets are stored as float32: a finite double beyond ±3.4e38 (1e39) would
// become infinite there and poison the run, so it is an error naming the value.
bool fits_float(double v) {
  return std::isfinite(v) && std::fabs(v) <= static_cast<double>(std::numeric_limits<float>::max());
}

// "3", "-12", "+7": a whole number written without a decimal point or exponent.
std::optional<long long> parse_integer(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw DataError(path + (std::filesystem::exists(path) ? ": cannot open file" : ": not found"));
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Built by appending: GCC 12 reports a false -Wrestrict on "'" + std::string(s).
std::string quote(std::string_view s) {
  std::string out(1, '\'');
  out.append(s).push_back('\'');
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::size_t target_column(const std::vector<std::string>& header, const std::string& target,
                          const std::string& path) {
  if (target.empty()) return header.size() - 1;
  // A name wins over an index, so a column literally called "3" can still be chosen.
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == target) return c;
  if (const auto index = parse_integer(target)) {
    if (*index >= 0 && static_cast<std::size_t>(*index) < header.size())
      return static_cast<std::size_t>(*index);
    throw ConfigError(path, "dataset.target",
                      "column index " + target + " is out of range; the file has " +
                          std::to_string(header.size()) + " columns (0-based)");
  }
  throw ConfigError(path, "dataset.target",
                    "no column named " + quote(target) + "; the header has " + join(header));
}

// Maps label text to class ids. Integer labels keep their numeric order (so "0".."9" are ids
// 0..9); any other labels are numbered in order of first appearance.
std::vector<std::string> class_order(const std::vector<std::string>& tokens) {
  std::vector<std::string> names;
  std::map<std::string, bool> seen;
  bool all_integer = true;
  for (const auto& t : tokens) {
    if (seen.emplace(t, true).second) names.push_back(t);
    all_integer = all_integer && parse_integer(t).has_value();
  }
  if (all_integer)
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return *parse_integer(a) < *parse_integer(b);
    });
  return names;
}

}  // namespace

Dataset load_csv(const std::string& path, const std::string& target, const std::string& task) {
  if (task != "auto" && task != "classification" && task != "regression")
    throw ConfigError(path, "dataset.task",
                      quote(task) + " is not a task; accepted: auto, classification, regression");
  RecordReader reader(read_file(path), path);
  const auto where = [&](int line) { return path + ":" + std::to_string(line) + ": "; };

  Record rec;
  if (!reader.next(rec) || rec.blank) throw DataError(path + ":1: expected a header row");
  std::vector<std::string> header;
  for (const auto& f : rec.fields) header.emplace_back(trim(f));
  if (header.size() < 2)
    throw DataError(where(1) + "need at least two columns (features and a target), found " +
                    std::to_string(header.size()) + "; is the file comma-separated?");
  const std::size_t tcol = target_column(header, target, path);

  Dataset d;
  d.name = std::filesystem::path(path).stem().string();
  d.features = static_cast<std::int64_t>(header.size()) - 1;
  for (std::size_t c = 0; c < header.size(); ++c)
    if (c != tcol) d.feature_names.push_back(header[c]);

  std::vector<std::string> target_tokens;
  std::vector<int> target_lines;
  int blank_line = 0;  // a blank line is only fine when nothing but blank lines follows it
  while (reader.next(rec)) {
    if (rec.blank) {
      if (blank_line == 0) blank_line = rec.line;
      continue;
    }
    if (blank_line != 0) throw DataError(where(blank_line) + "empty line inside the data");
    if (rec.fields.size() != header.size()) {
      const std::string detail = rec.fields.size() < header.size()
                                     ? "column " + quote(header[rec.fields.size()]) + " is missing"
                                     : "extra field after column " + quote(header.back());
      throw DataError(where(rec.line) + std::to_string(rec.fields.size()) +
                      " fields, the header has " + std::to_string(header.size()) + " (" + detail +
                      ")");
    }
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string_view value = trim(rec.fields[c]);
      if (is_missing(value))
        throw DataError(where(rec.line) + "column " + quote(header[c]) + ": missing value");
      if (c == tcol) {
        target_tokens.emplace_back(value);
        target_lines.push_back(rec.line);
        continue;
      }
      const auto number = parse_number(value);
      if (!number || !std::isfinite(*number))
        throw DataError(where(rec.line) + "column " + quote(header[c]) + ": " + quote(value) +
                        " is not a number (features must be numeric)");
      if (!fits_float(*number))
        throw DataError(where(rec.line) + "column " + quote(header[c]) + ": " + quote(value) +
                        " is out of range for a 32-bit float (at most about 3.4e38)");
      d.x.push_back(static_cast<float>(*number));
    }
  }
  d.rows = static_cast<std::int64_t>(target_tokens.size());
  if (d.rows == 0) throw DataError(path + ": no data rows after the header");

  bool classify = task == "classification";
  if (task == "auto") {
    // Classification when every value is a whole number or a non-numeric label.
    classify = std::all_of(target_tokens.begin(), target_tokens.end(), [](const std::string& t) {
      return parse_integer(t).has_value() || !parse_number(t).has_value();
    });
  }
  d.task = classify ? Task::classification : Task::regression;
  if (classify) {
    d.class_names = class_order(target_tokens);
    std::map<std::string, std::int32_t> id;
    for (std::size_t k = 0; k < d.class_names.size(); ++k)
      id[d.class_names[k]] = static_cast<std::int32_t>(k);
    d.labels.reserve(target_tokens.size());
    for (const auto& t : target_tokens) d.labels.push_back(id[t]);
    d.outputs = static_cast<std::int64_t>(d.class_names.size());
  } else {
    d.outputs = 1;
    d.targets.reserve(target_tokens.size());
    for (std::size_t i = 0; i < target_tokens.size(); ++i) {
      const auto number = parse_number(target_tokens[i]);
      if (!number || !std::isfinite(*number))
        throw DataError(where(target_lines[i]) + "column " + quote(header[tcol]) + ": " +
                        quote(target_tokens[i]) + " is not a number (regression target)");
      if (!fits_float(*number))
        throw DataError(where(target_lines[i]) + "column " + quote(header[tcol]) + ": " +
                        quote(target_tokens[i]) +
                        " is out of range for a 32-bit float (at most about 3.4e38)");
      d.targets.push_back(static_cast<float>(*number));
    }
  }
  return d;
}

}  // namespace batchlab
