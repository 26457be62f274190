// Probes (SPEC 1.3): one kind plus timing, for `ready:` and `alive:`.
#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "config/reader.hpp"

namespace summon::config {

namespace {

constexpr std::string_view port_ref_prefix = "${ports.";

// "5432", or `${ports.NAME}` left as written because ports are not picked yet.
std::optional<PortValue> parse_port(Reader& reader, const std::string& text, const Node& node) {
  if (text.starts_with(port_ref_prefix) && text.ends_with("}"))
    return PortValue{0, text.substr(port_ref_prefix.size(),
                                    text.size() - port_ref_prefix.size() - 1)};
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 6) {
    reader.error(node.mark, fmt::format("'{}' is not a port number", text));
    return std::nullopt;
  }
  int port = std::stoi(text);
  if (port < 1 || port > 65535) {
    reader.error(node.mark, fmt::format("port {} is out of range (1-65535)", port));
    return std::nullopt;
  }
  return PortValue{port, {}};
}

std::optional<TcpProbe> read_tcp(Reader& reader, const Node& node) {
  TcpProbe probe;
  if (node.is_map()) {
    if (const Node* host = node.find("host"))
      if (auto text = reader.string(*host)) probe.host = *text;
    const Node* port = node.find("port");
    auto text = port ? reader.string(*port) : std::nullopt;
    auto value = text ? parse_port(reader, *text, *port) : std::nullopt;
    if (!value) return std::nullopt;
    probe.port = *value;
    return probe;
  }
  auto text = reader.string(node);
  if (!text) return std::nullopt;
  // "host:port", "[::1]:port" or a bare port; the port is after the last colon.
  auto colon = text->rfind(':');
  std::string port_text = *text;
  if (colon != std::string::npos && !text->starts_with(port_ref_prefix)) {
    probe.host = text->substr(0, colon);
    port_text = text->substr(colon + 1);
    if (probe.host.size() > 2 && probe.host.front() == '[' && probe.host.back() == ']')
      probe.host = probe.host.substr(1, probe.host.size() - 2);
    if (probe.host.empty()) {
      reader.error(node.mark, fmt::format("'{}' has an empty host; write host:port", *text));
      return std::nullopt;
    }
  }
  auto value = parse_port(reader, port_text, node);
  if (!value) return std::nullopt;
  probe.port = *value;
  return probe;
}

// A status entry: 200, "200", or a class such as "2xx".
std::optional<StatusRange> read_status(Reader& reader, const Node& node) {
  auto text = reader.string(node);
  if (!text) return std::nullopt;
  if (text->size() == 3 && (*text)[0] >= '1' && (*text)[0] <= '5' && (*text)[1] == 'x' &&
      (*text)[2] == 'x') {
    int low = ((*text)[0] - '0') * 100;
    return StatusRange{low, low + 99};
  }
  if (auto code = reader.integer(node, "status", 100, 599)) return StatusRange{*code, *code};
  return std::nullopt;
}

std::optional<HttpProbe> read_http(Reader& reader, const Node& node) {
  HttpProbe probe;
  const Node* url = node.is_map() ? node.find("url") : &node;
  auto text = url ? reader.string(*url) : std::nullopt;
  if (!text) return std::nullopt;
  if (!text->starts_with("http://") || text->size() == 7) {
    reader.error(url->mark, fmt::format("'http' needs a URL starting with http:// (such as "
                                        "http://127.0.0.1:8080/health), not '{}'",
                                        *text));
    return std::nullopt;
  }
  probe.url = *text;
  if (!node.is_map()) return probe;
  if (const Node* method = node.find("method"))
    if (auto m = reader.string(*method)) probe.method = *m;
  if (const Node* status = node.find("status")) {
    if (status->is_seq()) {
      for (const auto& item : status->items)
        if (auto range = read_status(reader, item)) probe.status.push_back(*range);
    } else if (auto range = read_status(reader, *status)) {
      probe.status.push_back(*range);
    }
  }
  if (const Node* headers = node.find("headers")) probe.headers = reader.env_map(*headers);
  if (const Node* body = node.find("body")) {
    auto pattern = reader.string(*body);
    if (!pattern || !reader.regex(*pattern, *body, "body")) return std::nullopt;
    probe.body = *pattern;
  }
  return probe;
}

std::optional<LogProbe> read_log(Reader& reader, const Node& node) {
  LogProbe probe;
  const Node* pattern = node.is_map() ? node.find("pattern") : &node;
  auto text = pattern ? reader.string(*pattern) : std::nullopt;
  if (!text || !reader.regex(*text, *pattern, "log")) return std::nullopt;
  probe.pattern = *text;
  if (!node.is_map()) return probe;
  if (const Node* stream = node.find("stream")) {
    auto name = reader.string(*stream);
    if (name == "stdout") probe.stream = LogStream::stdout_stream;
    if (name == "stderr") probe.stream = LogStream::stderr_stream;
  }
  if (const Node* count = node.find("count")) {
    auto value = reader.integer(*count, "count", 1, 1'000'000);
    if (!value) return std::nullopt;
    probe.count = *value;
  }
  return probe;
}

std::optional<Probe> read_kind(Reader& reader, const std::string& kind, const Node& value,
                               const std::string& cwd) {
  Probe probe;
  probe.mark = value.mark;
  auto set = [&](auto&& read) -> std::optional<Probe> {
    auto result = read();
    if (!result) return std::nullopt;
    probe.kind = std::move(*result);
    return probe;
  };
  if (kind == "tcp") return set([&] { return read_tcp(reader, value); });
  if (kind == "http") return set([&] { return read_http(reader, value); });
  if (kind == "log") return set([&] { return read_log(reader, value); });
  if (kind == "exec")
    return set([&]() -> std::optional<ExecProbe> {
      auto command = reader.command(value);
      if (!command) return std::nullopt;
      return ExecProbe{std::move(*command)};
    });
  if (kind == "file")
    return set([&]() -> std::optional<FileProbe> {
      auto path = reader.path(value, cwd);
      if (!path) return std::nullopt;
      return FileProbe{*path};
    });
  if (kind == "unix")
    return set([&]() -> std::optional<UnixProbe> {
      auto path = reader.path(value, cwd);
      if (!path) return std::nullopt;
      return UnixProbe{*path};
    });
  if (kind == "notify")
    return set([&]() -> std::optional<NotifyProbe> {
      if (value.kind == Node::Kind::boolean && value.text.starts_with('t')) return NotifyProbe{};
      if (value.kind == Node::Kind::boolean || value.kind == Node::Kind::string)
        reader.error(value.mark, "'notify' takes only 'true'; for no probe, remove 'ready'");
      return std::nullopt;
    });
  if (kind == "fd")
    return set([&]() -> std::optional<FdProbe> {
      auto fd = reader.integer(value, "fd", 3, 1023);
      if (!fd) return std::nullopt;
      return FdProbe{*fd};
    });
  if (kind == "all")
    return set([&]() -> std::optional<AllProbe> {
      if (!value.is_seq()) return std::nullopt;
      if (value.items.empty()) {
        reader.error(value.mark, "'all' needs at least one probe");
        return std::nullopt;
      }
      AllProbe all;
      for (const auto& member : value.items) {
        auto inner = read_probe(reader, member, cwd);
        if (!inner) return std::nullopt;
        all.probes.push_back(std::move(*inner));
      }
      return all;
    });
  return std::nullopt;
}

}  // namespace

std::optional<Probe> read_probe(Reader& reader, const Node& node, const std::string& cwd,
                                ProbeTiming timing) {
  if (!node.is_map()) return std::nullopt;
  const auto& kinds = probe_kind_names();
  std::optional<Probe> probe;
  int found = 0;
  for (const auto& [key, value] : node.members) {
    if (std::find(kinds.begin(), kinds.end(), key.text) == kinds.end()) continue;
    if (++found > 1) return std::nullopt;  // the schema reports it
    probe = read_kind(reader, key.text, value, cwd);
  }
  if (!probe) return std::nullopt;
  probe->timeout = timing.timeout;
  probe->interval = timing.interval;
  if (const Node* timeout = node.find("timeout")) {
    auto value = reader.duration(*timeout, "timeout");
    if (!value) return std::nullopt;
    probe->timeout = *value;
  }
  if (const Node* interval = node.find("interval")) {
    auto value = reader.duration(*interval, "interval");
    if (!value) return std::nullopt;
    if (value->count() == 0) {
      reader.error(interval->mark, "'interval' must be more than 0");
      return std::nullopt;
    }
    probe->interval = *value;
  }
  probe->mark = node.mark;
  return probe;
}

}  // namespace summon::config
