#include "config/schema_messages.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "config/schema_place.hpp"
#include "config/suggest.hpp"

namespace summon::config {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_problems = Diagnostics::limit;

// The keyword a valijson finding says failed. The rest of what it reports
// ("Failed to validate item #2", "... against child schema #3") only repeats a
// finding made deeper down, and is dropped.
enum class Failed {
  type,
  unknown_key,
  required,
  one_of,
  enum_value,
  const_value,
  pattern,
  minimum,
  maximum,
  empty,
  not_schema,
  repeat,
  other,
};

struct Finding {
  Failed failed;
  std::string text;  // the missing key for `required`; valijson's own words for `other`
};

Finding classify(const std::string& description) {
  auto starts = [&](std::string_view prefix) { return description.rfind(prefix, 0) == 0; };
  static const std::pair<std::string_view, Failed> prefixes[] = {
      {"Value type not permitted", Failed::type},
      {"Object contains a property that could not be validated", Failed::unknown_key},
      {"Failed to validate against any child schemas allowed by oneOf", Failed::one_of},
      {"Failed to validate against exactly one child schema", Failed::one_of},
      {"Failed to match against any enum values", Failed::enum_value},
      {"Failed to match expected value set by 'const'", Failed::const_value},
      {"Failed to match regex", Failed::pattern},
      {"Expected number greater", Failed::minimum},
      {"Expected number less", Failed::maximum},
      {"String should be no fewer", Failed::empty},
      {"Array should contain no fewer", Failed::empty},
      {"Object should have no fewer", Failed::empty},
      {"Target should not validate", Failed::not_schema},
      {"Failed to validate", Failed::repeat},
  };
  if (starts("Missing required property '")) {
    auto begin = description.find('\'') + 1;
    return {Failed::required, description.substr(begin, description.rfind('\'') - begin)};
  }
  for (const auto& [prefix, failed] : prefixes)
    if (starts(prefix)) return {failed, {}};
  return {Failed::other, description};
}

std::string subject(const SchemaPlace& place) {
  switch (place.role) {
    case SchemaPlace::Role::root:
      return "the file";
    case SchemaPlace::Role::service:
      return fmt::format("service '{}'", place.label);
    default:
      return fmt::format("'{}'", place.label);
  }
}

Mark key_mark(const SchemaPlace& place) {
  return place.key ? place.key->mark : place.node->mark;
}

// The value as the user wrote it, briefly.
std::string actual(const Node& node) {
  constexpr std::size_t longest = 40;
  switch (node.kind) {
    case Node::Kind::null:
      return "empty";
    case Node::Kind::sequence:
      return "a list";
    case Node::Kind::mapping:
      return "a map";
    case Node::Kind::string:
      if (node.text.size() > longest) return fmt::format("'{}...'", node.text.substr(0, longest));
      return fmt::format("'{}'", node.text);
    default:
      return node.text;
  }
}

std::string join(const std::vector<std::string>& words, std::string_view last) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last : ", ";
    out += words[i];
  }
  return out;
}

std::string plain(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// What a value must be, "must be ...": the schema's own `errorMessage` (which
// editors show too), else its types.
std::string phrase(const json& schema) {
  if (auto it = schema.find("errorMessage"); it != schema.end() && it->is_string()) return *it;
  static const std::map<std::string, std::string> nouns = {
      {"string", "a string"}, {"integer", "a whole number"},
      {"number", "a number"}, {"boolean", "true or false"},
      {"object", "a map"},    {"array", "a list"},
      {"null", "empty"}};
  std::vector<std::string> words;
  if (auto it = schema.find("type"); it != schema.end())
    for (const json& type : it->is_array() ? *it : json::array({*it}))
      if (auto noun = nouns.find(plain(type)); noun != nouns.end()) words.push_back(noun->second);
  return words.empty() ? "must be something else" : "must be " + join(words, " or ");
}

class Explainer {
 public:
  Explainer(const json& schema, const std::string& file, Diagnostics& diagnostics)
      : walker_(schema), file_(file), diagnostics_(diagnostics) {}

  void report(const Node& root, const valijson::ValidationResults& results) {
    std::map<std::vector<std::string>, std::vector<Finding>> by_path;
    for (const auto& error : results) by_path[error.context].push_back(classify(error.description));
    for (const auto& [context, findings] : by_path) {
      if (count_ > max_problems) break;
      if (auto place = walker_.locate(root, context)) explain(*place, findings);
    }
    check_key_names(walker_.root(root));
    if (count_ == 0) error(root.mark, "the file does not match the schema");
  }

 private:
  void explain(const SchemaPlace& place, const std::vector<Finding>& findings) {
    auto has = [&](Failed failed) {
      return std::any_of(findings.begin(), findings.end(),
                         [&](const Finding& f) { return f.failed == failed; });
    };
    // A value of the wrong type fails its other keywords only as a consequence.
    if (has(Failed::type)) return wrong_value(place, Failed::type);
    if (has(Failed::unknown_key)) unknown_keys(place);
    if (has(Failed::one_of)) probe_kinds(place);
    for (const Finding& finding : findings) {
      switch (finding.failed) {
        case Failed::unknown_key:
        case Failed::one_of:
        case Failed::repeat:
          break;
        case Failed::required:
          missing(place, finding.text);
          break;
        case Failed::other:
          error(place.node->mark,
                fmt::format("{} does not match the schema: {}", subject(place), finding.text));
          break;
        default:
          wrong_value(place, finding.failed);
      }
    }
  }

  void wrong_value(const SchemaPlace& place, Failed failed) {
    const json& schema = *place.schema;
    std::string what = subject(place), value = actual(*place.node);
    std::string message;
    switch (failed) {
      case Failed::enum_value: {
        std::vector<std::string> values, words;
        for (const json& v : schema.at("enum")) {
          values.push_back(plain(v));
          if (v.is_string()) words.push_back(v);
        }
        std::string hint = place.node->is_string() ? did_you_mean(place.node->text, words) : "";
        message =
            fmt::format("{} must be one of {}, not {}{}", what, join(values, ", "), value, hint);
        break;
      }
      case Failed::const_value:
        message = fmt::format("{} must be {}, not {}", what, plain(schema.at("const")), value);
        break;
      case Failed::minimum:
        message =
            fmt::format("{} must be {} or more, not {}", what, schema.at("minimum").dump(), value);
        break;
      case Failed::maximum:
        message =
            fmt::format("{} must be {} or less, not {}", what, schema.at("maximum").dump(), value);
        break;
      case Failed::empty:
        message = fmt::format("{} must not be empty", what);
        break;
      case Failed::not_schema: {
        const json& ruled_out = walker_.resolve(schema.at("not"));
        // A `not` without words of its own rules out a key whatever its value
        // (`log` under `alive`): the holder's errorMessage is then the whole
        // sentence, as editors show it, at the key.
        if (!ruled_out.contains("errorMessage") && schema.contains("errorMessage"))
          return error(key_mark(place), plain(schema.at("errorMessage")));
        message = fmt::format("{} {}", what, phrase(ruled_out));
        break;
      }
      default:
        message = fmt::format("{} {}, not {}", what, phrase(schema), value);
    }
    // An empty value has no position of its own; its key has.
    error(place.node->kind == Node::Kind::null ? key_mark(place) : place.node->mark, message);
  }

  // The keys of this map that the schema does not allow, each with its closest
  // allowed key.
  std::vector<std::pair<const Key*, std::string>> unknown(const SchemaPlace& place) {
    std::vector<std::pair<const Key*, std::string>> out;
    for (const auto& [key, value] : place.node->members)
      if (!walker_.member_schema(*place.schema, key.text))
        out.emplace_back(&key,
                         closest(key.text, walker_.declared_keys(*place.schema)).value_or(""));
    return out;
  }

  bool typo_of(const SchemaPlace& place, const std::string& wanted) {
    auto typos = unknown(place);
    return std::any_of(typos.begin(), typos.end(),
                       [&](const auto& u) { return u.second == wanted; });
  }

  void unknown_keys(const SchemaPlace& place) {
    for (const auto& [key, suggestion] : unknown(place)) {
      std::string hint = suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion);
      if (place.role == SchemaPlace::Role::root)
        error(key->mark, fmt::format("unknown top-level key '{}'{}", key->text, hint));
      else
        error(key->mark, fmt::format("unknown key '{}' in {}{}", key->text, subject(place), hint));
    }
  }

  void missing(const SchemaPlace& place, const std::string& wanted) {
    const json& schema = *place.schema;
    // Required always, or (a service's `command`) unless another key stands in:
    // `"if": {"not": {"required": [...]}}, "then": {"required": [...]}`.
    auto required_by = [&](const json& rules) {
      auto required = rules.find("required");
      return required != rules.end() &&
             std::find(required->begin(), required->end(), wanted) != required->end();
    };
    // Keys required only by one alternative of a oneOf are worded by probe_kinds.
    if (!required_by(schema) && !required_by(schema.value("then", json::object()))) return;
    if (typo_of(place, wanted)) return;  // "unknown key 'comand'; did you mean 'command'?" says it
    if (place.role == SchemaPlace::Role::root)
      error(place.node->mark, fmt::format("'{}' is required", wanted));
    else
      error(key_mark(place), fmt::format("{} has no '{}'", subject(place), wanted));
  }

  // The schema's only oneOf is the choice of probe kind: one branch per kind,
  // each requiring its key.
  void probe_kinds(const SchemaPlace& place) {
    std::vector<std::string> kinds, found;
    for (const json& branch : place.schema->value("oneOf", json::array())) {
      const json& required = branch.value("required", json::array());
      if (required.size() != 1) {
        error(key_mark(place),
              fmt::format("{} must match exactly one alternative", subject(place)));
        return;
      }
      kinds.push_back(required[0].get<std::string>());
    }
    bool ruled_out = false;  // a kind this probe cannot be, reported at its key
    for (const auto& [key, value] : place.node->members) {
      if (std::find(kinds.begin(), kinds.end(), key.text) != kinds.end()) found.push_back(key.text);
      const json* member = walker_.member_schema(*place.schema, key.text);
      ruled_out = ruled_out || (member && member->contains("not"));
    }
    if (found.empty() &&
        (ruled_out || std::any_of(kinds.begin(), kinds.end(),
                                  [&](const std::string& k) { return typo_of(place, k); })))
      return;
    error(key_mark(place),
          fmt::format("{} needs exactly one probe kind ({}); found {}", subject(place),
                      join(kinds, ", "), found.empty() ? "none" : join(found, " and ")));
  }

  // valijson reports a failed `propertyNames` without saying which key failed,
  // so the keys under one are checked here, against the same pattern.
  void check_key_names(const SchemaPlace& place) {
    if (count_ > max_problems) return;
    const Node& node = *place.node;
    if (node.is_map()) {
      auto names = place.schema->find("propertyNames");
      for (const auto& [key, value] : node.members) {
        if (names != place.schema->end()) {
          const json& rule = walker_.resolve(*names);
          if (rule.contains("pattern") && !walker_.matches(key.text, rule.at("pattern")))
            error(key.mark, fmt::format("'{}' in {} {}", key.text, subject(place), phrase(rule)));
        }
        SchemaPlace child = walker_.member(place, key, value);
        if (child.schema) check_key_names(child);
      }
    } else if (node.is_seq()) {
      for (std::size_t i = 0; i < node.items.size(); ++i) check_key_names(walker_.item(place, i));
    }
  }

  // One past the limit still reaches the diagnostics, so that they know some were dropped.
  void error(Mark mark, std::string message) {
    if (++count_ > max_problems + 1) return;
    diagnostics_.error(file_, mark, std::move(message));
  }

  SchemaWalker walker_;
  const std::string& file_;
  Diagnostics& diagnostics_;
  std::size_t count_ = 0;
};

}  // namespace

void report_schema_errors(const Node& root, const nlohmann::json& schema,
                          const valijson::ValidationResults& results, const std::string& file,
                          Diagnostics& diagnostics) {
  Explainer(schema, file, diagnostics).report(root, results);
}

}  // namespace summon::config
