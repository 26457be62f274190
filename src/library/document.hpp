// Services declared in C++ become the same document a services file parses
// into (config::Node), so that one loader checks and reads both: the same
// schema, defaults, interpolation and messages.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/node.hpp"

namespace summon::library {

config::Node string_node(std::string text);
config::Node integer_node(long long value);
/// "250ms": a duration as the file writes one.
config::Node duration_node(std::chrono::milliseconds value);
config::Node list_node(const std::vector<std::string>& items);
config::Node list_node(std::vector<config::Node> items);
config::Node map_node();

/// Sets `key` in mapping `map`, replacing an earlier value.
void set_member(config::Node& map, const std::string& key, config::Node value);
/// The member `key` of `map`, made an empty mapping if missing.
config::Node& member_map(config::Node& map, const std::string& key);

/// Gives `node`, its keys and everything below positions on `line`, each a
/// column of its own.
void stamp(config::Node& node, int line);

}  // namespace summon::library
