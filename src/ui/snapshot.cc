#include "ui/snapshot.hpp"

namespace summon::ui {

namespace {

using nlohmann::json;

std::string text_of(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::optional<long long> whole_of(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return std::nullopt;
  return static_cast<long long>(found->get<double>());
}

std::optional<double> number_of(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return std::nullopt;
  return found->get<double>();
}

}  // namespace

std::vector<ServiceRow> rows_of(const json& ps_reply) {
  std::vector<ServiceRow> rows;
  auto services = ps_reply.find("services");
  if (services == ps_reply.end() || !services->is_array()) return rows;
  for (const json& service : *services) {
    if (!service.is_object()) continue;
    ServiceRow row;
    row.name = text_of(service, "name");
    row.state = text_of(service, "state");
    row.pid = whole_of(service, "pid");
    row.uptime_ms = whole_of(service, "uptime_ms").value_or(0);
    row.restarts = static_cast<int>(whole_of(service, "restarts").value_or(0));
    row.ready_ms = whole_of(service, "ready_ms");
    row.cpu_ms = number_of(service, "cpu_ms");
    row.memory_bytes = whole_of(service, "memory_bytes");
    row.reason = text_of(service, "reason");
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<OutputEntry> entry_of(const json& message) {
  auto line = message.find("line");
  if (line == message.end() || !line->is_object()) return std::nullopt;
  OutputEntry entry;
  entry.number = static_cast<std::uint64_t>(whole_of(*line, "n").value_or(0));
  entry.service = text_of(*line, "service");
  entry.from_stderr = text_of(*line, "stream") == "stderr";
  entry.at = text_of(*line, "at");
  entry.text = text_of(*line, "text");
  return entry;
}

}  // namespace summon::ui
