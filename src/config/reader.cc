#include "config/reader.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <re2/re2.h>

#include "config/duration.hpp"

namespace summon::config {

std::optional<std::string> Reader::string(const Node& node) {
  if (!node.is_scalar() || node.kind == Node::Kind::null) return std::nullopt;
  if (!node.is_string()) return node.text;
  return interpolate(node.text, context_, file_, node.mark, diagnostics_);
}

std::vector<std::string> Reader::strings(const Node& node) {
  std::vector<std::string> out;
  if (node.is_seq()) {
    for (const auto& item : node.items)
      if (auto s = string(item)) out.push_back(std::move(*s));
  } else if (auto s = string(node)) {
    out.push_back(std::move(*s));
  }
  return out;
}

std::optional<std::string> Reader::path(const Node& node, const std::string& base) {
  auto text = string(node);
  if (!text) return std::nullopt;
  if (text->empty()) {
    error(node.mark, "a path cannot be empty");
    return std::nullopt;
  }
  return (std::filesystem::path(base) / *text).lexically_normal().string();
}

std::optional<int> Reader::integer(const Node& node, const std::string& what, int low, int high) {
  auto text = string(node);
  if (!text) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno == ERANGE) {
    error(node.mark, fmt::format("'{}' must be a whole number, not '{}'", what, *text));
    return std::nullopt;
  }
  if (value < low || value > high) {
    error(node.mark, fmt::format("'{}' must be between {} and {}, not {}", what, low, high, value));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::optional<Duration> Reader::duration(const Node& node, const std::string& what) {
  auto text = string(node);
  if (!text) return std::nullopt;
  auto value = parse_duration(*text);
  if (!value)
    error(node.mark, fmt::format("'{}' must be a duration such as 250ms, 1.5s, 2m or a number of "
                                 "seconds (at most 24h), not '{}'",
                                 what, *text));
  return value;
}

EnvList Reader::env_map(const Node& node) {
  EnvList out;
  for (const auto& [key, value] : node.members) {
    if (value.kind == Node::Kind::null) {
      out.emplace_back(key.text, "");
    } else if (auto text = string(value)) {
      out.emplace_back(key.text, std::move(*text));
    }
  }
  return out;
}

std::optional<Command> Reader::command(const Node& node) {
  Command out;
  if (node.is_seq()) {
    out.argv = strings(node);
    if (out.argv.size() != node.items.size()) return std::nullopt;
    if (out.argv.empty() || out.argv.front().empty()) {
      error(node.mark, "the command list is empty or names no program");
      return std::nullopt;
    }
    return out;
  }
  auto text = string(node);
  if (!text) return std::nullopt;
  if (text->find_first_not_of(" \t\n") == std::string::npos) {
    error(node.mark, "the command is empty");
    return std::nullopt;
  }
  out.shell = true;
  out.argv = {"/bin/sh", "-c", std::move(*text)};
  return out;
}

bool Reader::regex(const std::string& pattern, const Node& node, const std::string& what) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (re.ok()) return true;
  error(node.mark, fmt::format("'{}' is not a valid regular expression: {}", what, re.error()));
  return false;
}

}  // namespace summon::config
