#include "config/origins.hpp"

#include <fmt/format.h>

namespace summon::config {

namespace {

std::optional<std::string> place(const Node& node) {
  if (!node.mark.file || node.mark.line <= 0) return std::nullopt;
  return fmt::format("{}:{}", *node.mark.file, node.mark.line);
}

}  // namespace

void Origins::add(const Node& node, const std::string& path) {
  if (auto where = place(node)) at_.insert_or_assign(path, *where);
  for (std::size_t i = 0; i < node.items.size(); ++i)
    add(node.items[i], fmt::format("{}/{}", path, i));
  for (const auto& [key, value] : node.members) add(value, path + "/" + key.text);
}

void Origins::add_missing(const Node& node, const std::string& path) {
  if (auto where = place(node)) at_.try_emplace(path, *where);
  for (const auto& [key, value] : node.members) add_missing(value, path + "/" + key.text);
}

void Origins::add_part(const Node& root, bool included) {
  const Node* services = root.find("services");
  if (!included) {
    for (const auto& [key, value] : root.members) add(value, key.text);
  } else if (services) {
    add(*services, "services");
  }
  const Node* env = root.find("env");
  if (!included || !env || !services) return;
  for (const auto& [name, service] : services->members) add_missing(*env, "services/" + name.text + "/env");
}

std::optional<std::string> Origins::of(const std::string& path) const {
  if (auto found = at_.find(path); found != at_.end()) return found->second;
  return std::nullopt;
}

}  // namespace summon::config
