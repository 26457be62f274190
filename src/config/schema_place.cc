#include "config/schema_place.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace summon::config {

namespace {

using json = nlohmann::json;

const json& anything() {
  static const json empty = json::object();
  return empty;
}

bool has_type(const json& value, const json& type) {
  if (type.is_array())
    return std::any_of(type.begin(), type.end(), [&](const json& t) { return has_type(value, t); });
  if (type == "string") return value.is_string();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "null") return value.is_null();
  return false;
}

}  // namespace

const json& SchemaWalker::resolve(const json& schema) const {
  const json* at = &schema;
  for (int hops = 0; hops < 16 && at->is_object() && at->contains("$ref"); ++hops)
    at = &schema_.at(json::json_pointer(at->at("$ref").get<std::string>().substr(1)));
  return *at;
}

bool SchemaWalker::matches(const std::string& text, const std::string& pattern) {
  auto it = regexes_.find(pattern);
  if (it == regexes_.end()) it = regexes_.emplace(pattern, std::regex(pattern)).first;
  return std::regex_search(text, it->second);
}

const json* SchemaWalker::member_schema(const json& schema, const std::string& key) {
  if (auto properties = schema.find("properties"); properties != schema.end())
    if (auto it = properties->find(key); it != properties->end()) return &resolve(*it);
  if (auto patterns = schema.find("patternProperties"); patterns != schema.end())
    for (const auto& [pattern, sub] : patterns->items())
      if (matches(key, pattern)) return &resolve(sub);
  auto additional = schema.find("additionalProperties");
  if (additional == schema.end() || *additional == true) return &anything();
  if (*additional == false) return nullptr;
  return &resolve(*additional);
}

const json& SchemaWalker::applicable(const json& schema, const Node& node) const {
  auto condition = schema.find("if");
  if (condition == schema.end()) return schema;
  // The schema's conditionals test only the value's type.
  bool holds = has_type(schema_value(node), resolve(*condition).value("type", json()));
  auto branch = schema.find(holds ? "then" : "else");
  return branch == schema.end() ? schema : applicable(resolve(*branch), node);
}

std::vector<std::string> SchemaWalker::declared_keys(const json& schema) const {
  std::vector<std::string> keys;
  if (auto properties = schema.find("properties"); properties != schema.end())
    for (const auto& [key, value] : properties->items()) keys.push_back(key);
  return keys;
}

SchemaPlace SchemaWalker::root(const Node& node) const {
  return {SchemaPlace::Role::root, &node, nullptr, &resolve(schema_), {}};
}

SchemaPlace SchemaWalker::member(const SchemaPlace& parent, const Key& key, const Node& value) {
  using Role = SchemaPlace::Role;
  SchemaPlace place{Role::value, &value, &key, nullptr, key.text};
  if (parent.schema)
    if (const json* schema = member_schema(*parent.schema, key.text))
      place.schema = &applicable(*schema, value);
  if (parent.role == Role::root && key.text == "services") {
    place.role = Role::services;
  } else if (parent.role == Role::services) {
    place.role = Role::service;
  } else if (parent.role == Role::value && parent.schema) {
    // A member of a free-form map (env, headers, depends_on) is named with it.
    auto keys = declared_keys(*parent.schema);
    if (std::find(keys.begin(), keys.end(), key.text) == keys.end())
      place.label = parent.label + "." + key.text;
  }
  return place;
}

SchemaPlace SchemaWalker::item(const SchemaPlace& parent, std::size_t index) const {
  SchemaPlace place{SchemaPlace::Role::value, &parent.node->items[index], nullptr, nullptr,
                    fmt::format("{}[{}]", parent.label, index)};
  if (parent.schema) {
    auto items = parent.schema->find("items");
    place.schema =
        items == parent.schema->end() ? &anything() : &applicable(resolve(*items), *place.node);
  }
  return place;
}

std::optional<SchemaPlace> SchemaWalker::locate(const Node& root_node,
                                                const std::vector<std::string>& path) {
  SchemaPlace place = root(root_node);
  for (std::size_t i = 1; i < path.size(); ++i) {
    const std::string& step = path[i];
    if (step.size() < 2) return std::nullopt;
    std::string name = step.substr(1, step.size() - 2);  // "[db]" -> "db"
    const Node& node = *place.node;
    if (node.is_map()) {
      auto it = std::find_if(node.members.begin(), node.members.end(),
                             [&](const auto& member) { return member.first.text == name; });
      if (it == node.members.end()) return std::nullopt;
      place = member(place, it->first, it->second);
    } else if (node.is_seq()) {
      std::size_t index = 0;
      auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
      if (ec != std::errc() || end != name.data() + name.size() || index >= node.items.size())
        return std::nullopt;
      place = item(place, index);
    } else {
      return std::nullopt;
    }
    if (!place.schema) return std::nullopt;
  }
  return place;
}

}  // namespace summon::config
