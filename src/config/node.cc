#include "config/node.hpp"

#include <regex>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace summon::config {

const Node* Node::find(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k.text == key) return &v;
  return nullptr;
}

const Key* Node::find_key(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k.text == key) return &k;
  return nullptr;
}

std::string_view describe(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::null: return "null";
    case Node::Kind::boolean: return "a boolean";
    case Node::Kind::integer: return "an integer";
    case Node::Kind::real: return "a number";
    case Node::Kind::string: return "a string";
    case Node::Kind::sequence: return "a list";
    case Node::Kind::mapping: return "a map";
  }
  return "a value";
}

namespace {

constexpr int max_depth = 64;  // no sane services file comes close

Mark mark_of(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

// The YAML 1.2 core schema's resolution of plain scalars.
Node::Kind resolve_plain(const std::string& s) {
  static const std::regex null_re("~|null|Null|NULL|");
  static const std::regex bool_re("true|True|TRUE|false|False|FALSE");
  static const std::regex int_re("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
  static const std::regex real_re(
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (s.size() > 64) return Node::Kind::string;  // keeps regex work bounded
  if (std::regex_match(s, null_re)) return Node::Kind::null;
  if (std::regex_match(s, bool_re)) return Node::Kind::boolean;
  if (std::regex_match(s, int_re)) return Node::Kind::integer;
  if (std::regex_match(s, real_re)) return Node::Kind::real;
  return Node::Kind::string;
}

class Converter {
 public:
  Converter(const std::string& file, Diagnostics& diagnostics, ParseLimits limits)
      : file_(file), diagnostics_(diagnostics), limits_(limits) {}

  std::optional<Node> convert(const YAML::Node& in, int depth) {
    if (++count_ > limits_.max_nodes) {
      fail(mark_of(in.Mark()),
           fmt::format("the document expands to more than {} values; is it an alias bomb?",
                       limits_.max_nodes));
      return std::nullopt;
    }
    if (depth > max_depth) {
      fail(mark_of(in.Mark()), fmt::format("nesting is deeper than {} levels", max_depth));
      return std::nullopt;
    }
    Node out;
    out.mark = mark_of(in.Mark());
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = Node::Kind::null;
        return out;
      case YAML::NodeType::Scalar:
        if (!scalar(in, out)) return std::nullopt;
        return out;
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        break;
    }
    for (const auto& open : open_)
      if (open.is(in)) {
        fail(out.mark, "an alias refers to a node that contains it (a cycle)");
        return std::nullopt;
      }
    open_.push_back(in);
    bool ok = in.IsSequence() ? sequence(in, out, depth) : mapping(in, out, depth);
    open_.pop_back();
    if (!ok) return std::nullopt;
    return out;
  }

 private:
  bool scalar(const YAML::Node& in, Node& out) {
    out.text = in.Scalar();
    const std::string& tag = in.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      out.kind = Node::Kind::string;
      return true;
    }
    out.kind = resolve_plain(out.text);
    if (tag == "?" || tag.empty()) return true;
    static const std::pair<const char*, Node::Kind> known[] = {
        {"tag:yaml.org,2002:int", Node::Kind::integer},
        {"tag:yaml.org,2002:float", Node::Kind::real},
        {"tag:yaml.org,2002:bool", Node::Kind::boolean},
        {"tag:yaml.org,2002:null", Node::Kind::null},
    };
    for (const auto& [name, kind] : known) {
      if (tag != name) continue;
      if (out.kind == kind || (kind == Node::Kind::real && out.kind == Node::Kind::integer)) {
        out.kind = kind;
        return true;
      }
      fail(out.mark, fmt::format("'{}' is not a valid {}", out.text, describe(kind)));
      return false;
    }
    fail(out.mark, fmt::format("unsupported tag '{}'; remove it", tag));
    return false;
  }

  bool sequence(const YAML::Node& in, Node& out, int depth) {
    out.kind = Node::Kind::sequence;
    for (const auto& item : in) {
      auto converted = convert(item, depth + 1);
      if (!converted) return false;
      out.items.push_back(std::move(*converted));
    }
    return true;
  }

  bool mapping(const YAML::Node& in, Node& out, int depth) {
    out.kind = Node::Kind::mapping;
    std::vector<Node> merges;  // `<<: *base` values, applied after the map's own keys
    bool ok = true;
    for (const auto& pair : in) {
      Key key{pair.first.IsScalar() ? pair.first.Scalar() : std::string(),
              mark_of(pair.first.Mark())};
      if (!pair.first.IsScalar()) {
        fail(key.mark, "a key must be a plain string, not a list or map");
        ok = false;
        continue;
      }
      auto value = convert(pair.second, depth + 1);
      if (!value) return false;
      if (key.text == "<<" && pair.first.Tag() != "!") {
        merges.push_back(std::move(*value));
        continue;
      }
      if (const Key* first = out.find_key(key.text)) {
        fail(key.mark, fmt::format("duplicate key '{}' (first defined at line {})", key.text,
                                   first->mark.line));
        ok = false;
        continue;
      }
      out.members.emplace_back(std::move(key), std::move(*value));
    }
    for (auto& merge : merges) ok = merge_into(out, merge) && ok;
    return ok;
  }

  // YAML merge keys: members of the merged maps that the map does not set itself.
  bool merge_into(Node& out, Node& merge) {
    std::vector<Node*> sources;
    if (merge.is_map()) sources.push_back(&merge);
    for (auto& item : merge.items) sources.push_back(&item);
    for (Node* source : sources) {
      if (!source->is_map()) {
        fail(source->mark, "'<<' merges maps only: give it an alias of a map or a list of them");
        return false;
      }
      for (auto& [key, value] : source->members)
        if (!out.find(key.text)) out.members.emplace_back(key, value);
    }
    return true;
  }

  void fail(Mark mark, std::string message) { diagnostics_.error(file_, mark, std::move(message)); }

  const std::string& file_;
  Diagnostics& diagnostics_;
  ParseLimits limits_;
  std::size_t count_ = 0;
  std::vector<YAML::Node> open_;  // maps and lists being converted, to catch alias cycles
};

// Whether line `index` (0-based) of text has a tab in its leading white space.
bool tab_indented(const std::string& text, int index) {
  std::size_t start = 0;
  for (int line = 0; line < index; ++line) {
    start = text.find('\n', start);
    if (start == std::string::npos) return false;
    ++start;
  }
  std::size_t end = text.find_first_not_of(" \t", start);
  return text.substr(start, end - start).find('\t') != std::string::npos;
}

// yaml-cpp's own message, or a plainer one when a tab in the indentation of the
// failing line (or the one before it) is the likely cause.
std::string yaml_message(const YAML::Exception& e, const std::string& text) {
  if (!e.mark.is_null() &&
      (tab_indented(text, e.mark.line) || (e.mark.line > 0 && tab_indented(text, e.mark.line - 1))))
    return "a tab is used for indentation near here; YAML allows only spaces";
  std::string msg = e.msg;
  if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  return "invalid YAML: " + msg;
}

}  // namespace

std::optional<Node> parse_yaml(const std::string& text, const std::string& file,
                               Diagnostics& diagnostics, ParseLimits limits) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    diagnostics.error(file, mark_of(e.mark),
                      fmt::format("nesting is deeper than {} levels", max_depth));
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diagnostics.error(file, mark_of(e.mark), yaml_message(e, text));
    return std::nullopt;
  }
  if (!root.IsDefined() || root.IsNull()) {
    diagnostics.error(file, {}, "the file is empty; it needs at least a 'services:' map");
    return std::nullopt;
  }
  try {
    return Converter(file, diagnostics, limits).convert(root, 0);
  } catch (const YAML::Exception& e) {
    diagnostics.error(file, mark_of(e.mark), yaml_message(e, text));
    return std::nullopt;
  }
}

}  // namespace summon::config
