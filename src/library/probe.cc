// Probes declared in C++: each builds the `ready:` entry a file would hold.
#include <summon/probe.hpp>

#include "library/access.hpp"
#include "library/document.hpp"

namespace summon {

using library::integer_node;
using library::list_node;
using library::map_node;
using library::set_member;
using library::string_node;

namespace {

Probe probe(const std::string& kind, config::Node value) {
  config::Node node = map_node();
  set_member(node, kind, std::move(value));
  return ProbeAccess::make(std::move(node));
}

}  // namespace

Probe ProbeAccess::make(config::Node node) {
  auto impl = std::make_shared<Probe::Impl>();
  impl->node = std::move(node);
  return Probe(std::move(impl));
}

Probe& Probe::timeout(std::chrono::milliseconds limit) {
  auto changed = std::make_shared<Impl>(*impl_);
  set_member(changed->node, "timeout", library::duration_node(limit));
  impl_ = std::move(changed);
  return *this;
}

Probe& Probe::interval(std::chrono::milliseconds longest) {
  auto changed = std::make_shared<Impl>(*impl_);
  set_member(changed->node, "interval", library::duration_node(longest));
  impl_ = std::move(changed);
  return *this;
}

Probe tcp(int port) {
  return probe("tcp", integer_node(port));
}
Probe tcp(std::string address) {
  return probe("tcp", string_node(std::move(address)));
}
Probe http(std::string url) {
  return probe("http", string_node(std::move(url)));
}

Probe http(HttpCheck check) {
  config::Node node = map_node();
  set_member(node, "url", string_node(std::move(check.url)));
  set_member(node, "method", string_node(std::move(check.method)));
  if (!check.status.empty()) {
    std::vector<config::Node> codes;
    for (auto& code : check.status) {
      const bool number =
          !code.empty() && code.find_first_not_of("0123456789") == std::string::npos;
      codes.push_back(number ? integer_node(std::stoll(code)) : string_node(std::move(code)));
    }
    set_member(node, "status", list_node(std::move(codes)));
  }
  if (!check.headers.empty()) {
    config::Node headers = map_node();
    for (auto& [name, value] : check.headers) set_member(headers, name, string_node(value));
    set_member(node, "headers", std::move(headers));
  }
  if (!check.body.empty()) set_member(node, "body", string_node(std::move(check.body)));
  return probe("http", std::move(node));
}

Probe exec(std::vector<std::string> command) {
  return probe("exec", list_node(command));
}
Probe exec(ShellCommand command) {
  return probe("exec", string_node(command.text()));
}

Probe log(std::string pattern, Stream stream, int count) {
  config::Node node = map_node();
  set_member(node, "pattern", string_node(std::move(pattern)));
  set_member(node, "stream",
             string_node(stream == Stream::stdout_stream   ? "stdout"
                         : stream == Stream::stderr_stream ? "stderr"
                                                           : "both"));
  set_member(node, "count", integer_node(count));
  return probe("log", std::move(node));
}

Probe file(std::string path) {
  return probe("file", string_node(std::move(path)));
}
Probe unix_socket(std::string path) {
  return probe("unix", string_node(std::move(path)));
}

Probe notify() {
  config::Node yes;
  yes.kind = config::Node::Kind::boolean;
  yes.text = "true";
  return probe("notify", std::move(yes));
}

Probe fd(int fd) {
  return probe("fd", integer_node(fd));
}

Probe all(std::vector<Probe> probes) {
  std::vector<config::Node> nodes;
  for (const auto& each : probes) nodes.push_back(ProbeAccess::node(each));
  return probe("all", list_node(std::move(nodes)));
}

}  // namespace summon
