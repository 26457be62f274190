// Walking the schema beside the document: which part of the schema applies to
// a value, and how messages name that value. Private to check_schema.
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/node.hpp"

namespace summon::config {

/// A value of the document, with the schema that applies to it.
struct SchemaPlace {
  enum class Role { root, services, service, value };
  Role role = Role::value;
  const Node* node = nullptr;
  const Key* key = nullptr;                // its key, when it is a member of a map
  const nlohmann::json* schema = nullptr;  // $ref resolved; nullptr when its key is not allowed
  std::string label;  // "ready", "command[1]", "env.PATH"; for a service, its name
};

/// The value as the validator sees it (defined in schema.cc).
nlohmann::json schema_value(const Node& node);

/// Navigates one schema document (draft-07, with "#/..." references) the way
/// valijson applies it: `properties`, then `patternProperties`, then
/// `additionalProperties` for a map's members; `items` for a list's.
class SchemaWalker {
 public:
  explicit SchemaWalker(const nlohmann::json& schema) : schema_(schema) {}

  /// The schema that `schema` refers to, following `$ref`s.
  const nlohmann::json& resolve(const nlohmann::json& schema) const;

  /// Whether `pattern` matches somewhere in `text`, as valijson reads patterns.
  bool matches(const std::string& text, const std::string& pattern);

  /// The schema for member `key` of a map under `schema`; nullptr when the
  /// key is not allowed there.
  const nlohmann::json* member_schema(const nlohmann::json& schema, const std::string& key);

  /// The part of `schema` that applies to `node`: for a schema that depends
  /// on the value's type (`if: {type: T}`, `then`, `else`), the branch that
  /// the validator takes; otherwise `schema` itself.
  const nlohmann::json& applicable(const nlohmann::json& schema, const Node& node) const;

  /// The keys that `schema` names under `properties`, for "did you mean".
  std::vector<std::string> declared_keys(const nlohmann::json& schema) const;

  SchemaPlace root(const Node& node) const;
  SchemaPlace member(const SchemaPlace& parent, const Key& key, const Node& value);
  SchemaPlace item(const SchemaPlace& parent, std::size_t index) const;

  /// The value at a path in valijson's form, ["<root>", "[services]", "[db]"];
  /// nullopt when the path leaves the document or the schema.
  std::optional<SchemaPlace> locate(const Node& root, const std::vector<std::string>& path);

 private:
  const nlohmann::json& schema_;
  std::map<std::string, std::regex> regexes_;
};

}  // namespace summon::config
