#include "engine/experiment/json_fields.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace batchlab::json_config {
namespace {

namespace fs = std::filesystem;

void collect_keys(const json& node, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = dotted(prefix, it.key());
    out.push_back(key);
    if (it->is_object()) collect_keys(*it, key, out);
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string_view last_segment(std::string_view key) {
  const auto dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

const json& empty_object() {
  static const json empty = json::object();
  return empty;
}

// Appends v as compact JSON until `out` holds more than `limit` characters. Each level of
// nesting writes at least one character first, so the recursion is at most `limit` deep however
// deep v is (a whole dump of a value nested a million levels overflowed the stack). Text that is
// not UTF-8 (a --set value can be any bytes) is shown with U+FFFD instead of throwing.
void show_into(const json& v, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  if (!v.is_structured()) {
    out += v.dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  const bool object = v.is_object();
  out += object ? '{' : '[';
  bool first = true;
  for (auto it = v.begin(); it != v.end() && out.size() <= limit; ++it) {
    if (!first) out += ',';
    first = false;
    if (object) out += json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace) + ':';
    show_into(*it, out, limit);
  }
  out += object ? '}' : ']';
}

// What the store needs of a config's text: nlohmann's dump throws type_error 316 for bytes that
// are not UTF-8.
bool is_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

}  // namespace

std::string shown(const json& v) {
  std::string s;
  show_into(v, s, 40);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string dotted(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// ---- KeySchema ----

KeySchema::KeySchema(json tree) : tree_(std::move(tree)) {
  collect_keys(tree_, "", keys_);
}

const json* KeySchema::find(const std::string& dotted_path) const {
  if (dotted_path.empty()) return &tree_;
  const json* node = &tree_;
  for (const auto& part : split_key(dotted_path)) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

ConfigError KeySchema::unknown_key(const std::string& source, const std::string& key) const {
  std::string near;
  std::vector<std::string> same_leaf;
  for (const auto& k : keys_)
    if (last_segment(k) == last_segment(key)) same_leaf.push_back(k);
  if (same_leaf.size() == 1) {
    near = same_leaf.front();
  } else {
    std::size_t best = std::max<std::size_t>(2, key.size() / 4) + 1;
    for (const auto& k : keys_) {
      // The distance is at least the difference in length: skip the quadratic work (a key of
      // a megabyte took seconds against every known key).
      const std::size_t gap = key.size() > k.size() ? key.size() - k.size() : k.size() - key.size();
      if (gap >= best) continue;
      const std::size_t d = edit_distance(key, k);
      if (d < best) {
        best = d;
        near = k;
      }
    }
  }
  std::string reason = "unknown key";
  if (!near.empty()) reason += " (did you mean " + near + "?)";
  return ConfigError(source, key, reason);
}

// ---- Fields ----

Fields::Fields(const json& node, std::string path, const std::string& source,
               const KeySchema& schema)
    : node_(node), path_(std::move(path)), source_(source), schema_(schema) {
  if (!node.is_object())
    throw ConfigError(source_, path_.empty() ? "(top level)" : path_,
                      "expected an object, got " + shown(node));
  const json* section = schema_.find(path_);
  for (auto it = node.begin(); it != node.end(); ++it)
    if (!section || !section->is_object() || !section->contains(it.key()))
      throw schema_.unknown_key(source_, dotted(path_, it.key()));
}

const json* Fields::find(std::string_view key) const {
  const auto it = node_.find(key);
  return it == node_.end() ? nullptr : &*it;
}

void Fields::fail(std::string_view key, const std::string& reason) const {
  throw ConfigError(source_, path(key), reason);
}

Fields Fields::object(std::string_view key) const {
  const json* v = find(key);
  return Fields(v ? *v : empty_object(), path(key), source_, schema_);
}

void Fields::get(std::string_view key, double& out) const {
  if (const json* v = find(key)) out = number(key, *v);
}
void Fields::get(std::string_view key, std::int64_t& out) const {
  if (const json* v = find(key)) out = integer(key, *v);
}
void Fields::get(std::string_view key, int& out) const {
  if (const json* v = find(key)) out = small_integer(key, *v);
}
void Fields::get(std::string_view key, std::uint64_t& out) const {
  const json* v = find(key);
  if (!v) return;
  if (v->is_number_unsigned()) {
    out = v->get<std::uint64_t>();
    return;
  }
  const std::int64_t i = integer(key, *v);
  if (i < 0) fail(key, "expected a non-negative integer, got " + shown(*v));
  out = static_cast<std::uint64_t>(i);
}
void Fields::get(std::string_view key, bool& out) const {
  const json* v = find(key);
  if (!v) return;
  if (!v->is_boolean()) fail(key, "expected true or false, got " + shown(*v));
  out = v->get<bool>();
}
void Fields::get(std::string_view key, std::string& out) const {
  const json* v = find(key);
  if (!v) return;
  if (!v->is_string()) fail(key, "expected a string, got " + shown(*v));
  out = v->get<std::string>();
}
void Fields::get(std::string_view key, std::optional<double>& out) const {
  if (const json* v = find(key)) out = v->is_null() ? std::nullopt : std::optional(number(key, *v));
}
void Fields::get(std::string_view key, std::optional<std::int64_t>& out) const {
  if (const json* v = find(key))
    out = v->is_null() ? std::nullopt : std::optional(integer(key, *v));
}
void Fields::get(std::string_view key, std::vector<int>& out) const {
  const json* v = find(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected a list of integers, got " + shown(*v));
  out.clear();
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(small_integer(std::string(key) + "[" + std::to_string(i) + "]", (*v)[i]));
}
void Fields::get(std::string_view key, std::vector<std::int64_t>& out) const {
  const json* v = find(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected a list of integers, got " + shown(*v));
  out.clear();
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(integer(std::string(key) + "[" + std::to_string(i) + "]", (*v)[i]));
}
void Fields::get(std::string_view key, std::vector<double>& out) const {
  const json* v = find(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected a list of numbers, got " + shown(*v));
  out.clear();
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(number(std::string(key) + "[" + std::to_string(i) + "]", (*v)[i]));
}

double Fields::number(std::string_view key, const json& v) const {
  if (!v.is_number()) fail(key, "expected a number, got " + shown(v));
  return v.get<double>();
}

std::int64_t Fields::integer(std::string_view key, const json& v) const {
  if (v.is_number_unsigned()) {
    if (v.get<std::uint64_t>() >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(key, "integer too large: " + shown(v));
    return v.get<std::int64_t>();
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  // 64.0 or 1e3 are whole numbers written as floats; 64.5 is not.
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
      return static_cast<std::int64_t>(d);
  }
  fail(key, "expected an integer, got " + shown(v));
}

int Fields::small_integer(std::string_view key, const json& v) const {
  const std::int64_t i = integer(key, v);
  if (i < std::numeric_limits<int>::min() || i > std::numeric_limits<int>::max())
    fail(key, "integer out of range: " + shown(v));
  return static_cast<int>(i);
}

// ---- --set, text and files ----

void apply_assignment(json& config, std::string_view assignment, const std::string& source,
                      const KeySchema& schema) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos)
    throw ConfigError(source, std::string(assignment), "expected key=value, e.g. batch.size=512");
  const std::string key = trimmed(assignment.substr(0, eq));
  if (key.empty()) throw ConfigError(source, std::string(assignment), "missing the key before '='");
  const std::string text(assignment.substr(eq + 1));
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;  // plain words need no quotes: device=cpu

  if (!schema.find(key)) throw schema.unknown_key(source, key);
  // The store keeps configs as JSON text, which must be UTF-8; a shell passes any bytes.
  if (!is_utf8(text)) throw ConfigError(source, key, "the value is not valid UTF-8 text");
  const auto parts = split_key(key);

  if (config.is_null()) config = json::object();
  if (!config.is_object())
    throw ConfigError(source, key, "the config is " + shown(config) + ", not a JSON object");
  json* node = &config;
  std::string prefix;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix = dotted(prefix, parts[i]);
    json& next = (*node)[parts[i]];
    // stop.target is null until a target is set: setting one of its fields creates it.
    if (next.is_null()) next = json::object();
    if (!next.is_object())
      throw ConfigError(source, key, prefix + " is " + shown(next) + ", not an object");
    node = &next;
  }
  (*node)[parts.back()] = std::move(value);
}

json parse_json_text(const std::string& text, const std::string& source) {
  // "line L, column C" of the character at `at` (0-based, cut to the text).
  const auto where = [&](std::size_t at) {
    at = std::min(at, text.size());
    const auto before = text.begin() + static_cast<std::ptrdiff_t>(at);
    const auto line = 1 + std::count(text.begin(), before, '\n');
    const std::size_t newline = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
    const std::size_t column = at - (newline == std::string::npos ? 0 : newline + 1) + 1;
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
  };
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    std::string detail = e.what();
    if (const auto p = detail.find("parse error"); p != std::string::npos)
      if (const auto colon = detail.find(": ", p); colon != std::string::npos)
        detail = detail.substr(colon + 2);
    throw ConfigError(source, where(e.byte > 0 ? e.byte - 1 : 0), "invalid JSON: " + detail);
  } catch (const json::out_of_range& e) {
    // A number too large for a double (1e999): the parser's out_of_range.406 carries no
    // position, so find the token it quotes ("number overflow parsing '1e999'").
    std::string detail = e.what();
    if (const auto p = detail.find("] "); p != std::string::npos) detail = detail.substr(p + 2);
    std::size_t at = std::string::npos;
    if (const auto q = detail.find('\''); q != std::string::npos) {
      const auto q2 = detail.find('\'', q + 1);
      if (q2 != std::string::npos) at = text.find(detail.substr(q + 1, q2 - q - 1));
    }
    throw ConfigError(source, at == std::string::npos ? std::string("(number)") : where(at),
                      "invalid JSON: " + detail);
  }
}

std::string read_text(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a folder, not a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path.string() + ": cannot read: " + std::strerror(errno));
  return text.str();
}

}  // namespace batchlab::json_config
