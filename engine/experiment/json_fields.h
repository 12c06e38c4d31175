// defines: KeySchema (the known keys of a JSON config), Fields (strict reading of one object),
//          apply_assignment (--set key=value), parse_json_text, read_text, shown, dotted
// Internal to experiment/. Run configs (config_io) and sweep configs (sweep) are read with the
// same machinery, so both reject an unknown key naming its dotted path with a "did you mean"
// hint, and both report a mistyped value the same way: ConfigError "<source>: <key>: <reason>".
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/errors.h"
#include "engine/core/run_config.h"

namespace batchlab::json_config {

using nlohmann::json;

// The "got ..." half of a type error: strings quoted, long values cut.
std::string shown(const json& v);
// "prefix.key", or "key" when the prefix is empty.
std::string dotted(const std::string& prefix, std::string_view key);

// The tree of known keys with their defaults: an object is a section whose members are the
// known keys below it; any other value is a leaf. A leaf may still hold an object in a config
// (stop.target, batch_sizes {"pow2_from": ...}) when the tree spells its sub-keys out as a section.
class KeySchema {
 public:
  explicit KeySchema(json tree);
  const json& tree() const { return tree_; }
  // The section or leaf at a dotted path ("" is the root); null when the path is not known.
  const json* find(const std::string& dotted_path) const;
  // "unknown key" with the key most likely meant: a right name at the wrong level first
  // ("lr" for optimizer.lr), else the closest spelling.
  ConfigError unknown_key(const std::string& source, const std::string& key) const;

 private:
  json tree_;
  std::vector<std::string> keys_;  // every dotted path, sections included
};

// One JSON object being read: rejects keys the schema does not list at this path, and reads
// each field only when present, so absent keys keep their defaults. The schema and source must
// outlive it.
class Fields {
 public:
  Fields(const json& node, std::string path, const std::string& source, const KeySchema& schema);

  const json* find(std::string_view key) const;
  std::string path(std::string_view key) const { return dotted(path_, key); }
  [[noreturn]] void fail(std::string_view key, const std::string& reason) const;
  const std::string& source() const { return source_; }

  // A nested object; an absent one reads as {} so its fields keep their defaults.
  Fields object(std::string_view key) const;

  void get(std::string_view key, double& out) const;
  void get(std::string_view key, std::int64_t& out) const;
  void get(std::string_view key, int& out) const;
  void get(std::string_view key, std::uint64_t& out) const;
  void get(std::string_view key, bool& out) const;
  void get(std::string_view key, std::string& out) const;
  void get(std::string_view key, std::optional<double>& out) const;
  void get(std::string_view key, std::optional<std::int64_t>& out) const;
  void get(std::string_view key, std::vector<int>& out) const;
  void get(std::string_view key, std::vector<std::int64_t>& out) const;
  void get(std::string_view key, std::vector<double>& out) const;
  template <typename E>
  void get_enum(std::string_view key, E& out) const {
    const json* v = find(key);
    if (!v) return;
    std::string names;
    for (auto n : enum_names<E>()) names += (names.empty() ? "" : ", ") + std::string(n);
    if (!v->is_string()) fail(key, "expected one of " + names + ", got " + shown(*v));
    const auto parsed = parse_enum<E>(v->get<std::string>());
    if (!parsed) fail(key, "unknown value " + shown(*v) + "; expected one of " + names);
    out = *parsed;
  }

  // Checked conversions; `key` names the value in errors ("batch_sizes[2]").
  double number(std::string_view key, const json& v) const;
  std::int64_t integer(std::string_view key, const json& v) const;
  int small_integer(std::string_view key, const json& v) const;

 private:
  const json& node_;
  std::string path_;
  const std::string& source_;
  const KeySchema& schema_;
};

// Applies "dotted.key=value" to a config JSON. The value is parsed as JSON when it is valid JSON
// (512, 0.1, true, [64,64], null), else taken as a string. A key the schema does not know throws
// ConfigError naming it; a null section on the way (stop.target) becomes an object.
void apply_assignment(json& config, std::string_view assignment, const std::string& source,
                      const KeySchema& schema);

// JSON text → json; a syntax error throws ConfigError naming the source, line and column.
json parse_json_text(const std::string& text, const std::string& source);
// A whole file as text; throws Error naming the path when it cannot be read or is a folder.
std::string read_text(const std::filesystem::path& path);

}  // namespace batchlab::json_config
