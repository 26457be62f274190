// The YAML document as summon reads it: typed scalars, ordered maps, and a
// source position on every node and key. Built once from yaml-cpp's tree with
// every hostile-input guard applied (aliases, cycles, duplicate keys, depth).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostic.hpp"

namespace summon::config {

struct Node;

/// A mapping key: always a string, with where it stands.
struct Key {
  std::string text;
  Mark mark;
};

struct Node {
  enum class Kind { null, boolean, integer, real, string, sequence, mapping };

  Kind kind = Kind::null;
  Mark mark;
  /// Scalars: the text as written (for strings, the string's value). The YAML
  /// 1.2 core schema decides the kind of a plain scalar; quoted ones are strings.
  std::string text;
  std::vector<Node> items;                    // sequence
  std::vector<std::pair<Key, Node>> members;  // mapping, in file order
  /// Tagged `!reset`: when files are merged, the value removes what earlier
  /// files gave this key, and is then dropped itself (SPEC 1.6).
  bool reset = false;

  // Defined in node.cc: a Node holds pairs of Key and Node, and clang with
  // libstdc++ cannot check such a pair while Node's implicit members are being
  // declared.
  Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;
  ~Node();

  bool is_scalar() const { return kind != Kind::sequence && kind != Kind::mapping; }
  bool is_string() const { return kind == Kind::string; }
  bool is_map() const { return kind == Kind::mapping; }
  bool is_seq() const { return kind == Kind::sequence; }

  /// The member with this key, or nullptr.
  const Node* find(std::string_view key) const;
  /// The key entry of this member, or nullptr.
  const Key* find_key(std::string_view key) const;
};

/// Human name of a kind, for messages: "a string", "a list", "a map"...
std::string_view describe(Node::Kind kind);

/// Limits that keep hostile documents cheap to reject.
struct ParseLimits {
  std::size_t max_nodes = 200'000;  // after alias expansion
};

/// Parses YAML text. On failure records diagnostics against `file` and
/// returns nullopt. An empty document is reported as an error.
std::optional<Node> parse_yaml(const std::string& text, const std::string& file,
                               Diagnostics& diagnostics, ParseLimits limits = {});

}  // namespace summon::config
