#include "config/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <variant>

namespace summon::config {

namespace {

char upper(char c) {
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return upper(x) == upper(y); });
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool maskable(std::string_view value) {
  if (static_cast<std::size_t>(std::count_if(
          value.begin(), value.end(), [](char c) { return !is_space(c); })) < min_secret_length)
    return false;
  for (std::string_view word : {"true", "false", "yes", "no", "on", "off", "null"})
    if (equals_nocase(value, word)) return false;
  return true;
}

// The first min_secret_length bytes of `text`, which has at least as many.
std::uint32_t prefix(std::string_view text) {
  static_assert(min_secret_length <= sizeof(std::uint32_t));
  std::uint32_t key = 0;
  for (std::size_t i = 0; i < min_secret_length; ++i)
    key = key << 8 | static_cast<unsigned char>(text[i]);
  return key;
}

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

// Where each URL password in `text` is, as [begin, end).
std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t from = 0;
  for (std::size_t found; (found = text.find("://", from)) != std::string_view::npos;) {
    from = found + 3;
    std::size_t scheme = found;
    while (scheme > 0 && scheme_char(text[scheme - 1])) --scheme;
    if (scheme == found) continue;
    const std::size_t host = found + 3;
    const std::size_t end = std::min(text.find_first_of("/?# \t\r\n\v\f'\"`<>", host), text.size());
    const std::string_view authority = text.substr(host, end - host);
    const std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) continue;
    const std::size_t colon = authority.find(':');
    if (colon == std::string_view::npos || colon + 1 >= at) continue;
    spans.emplace_back(host + colon + 1, host + at);
    from = host + at;
  }
  return spans;
}

// Gathers the secret values of a project as its parts are walked.
class Collector {
 public:
  std::vector<std::string> values;

  void env(const EnvList& entries) {
    for (const auto& [name, value] : entries) {
      if (looks_secret(name)) values.push_back(value);
      text(value);
    }
  }

  void command(const Command& command) {
    for (const auto& arg : command.argv) text(arg);
  }

  void probe(const Probe& probe) {
    std::visit([this](const auto& kind) { probe_kind(kind); }, probe.kind);
  }

  void text(std::string_view text) {
    for (auto& password : url_passwords(text)) values.push_back(std::move(password));
  }

 private:
  void probe_kind(const HttpProbe& http) {
    text(http.url);
    for (const auto& [name, value] : http.headers) {
      if (secret_header(name)) values.push_back(value);
      text(value);
    }
  }
  void probe_kind(const ExecProbe& exec) { command(exec.command); }
  void probe_kind(const AllProbe& all) {
    for (const auto& member : all.probes) probe(member);
  }
  // The other kinds hold a port, a path, a pattern or nothing: no URL, no credential.
  template <class Kind>
  void probe_kind(const Kind&) {}
};

}  // namespace

bool looks_secret(std::string_view name) {
  std::string upper_name(name.size(), '\0');
  std::transform(name.begin(), name.end(), upper_name.begin(), upper);
  for (std::string_view word : {"PASSWORD", "SECRET", "TOKEN", "KEY"})
    if (upper_name.find(word) != std::string::npos) return true;
  return false;
}

bool secret_header(std::string_view name) {
  return looks_secret(name) || equals_nocase(name, "Authorization") ||
         equals_nocase(name, "Proxy-Authorization");
}

std::vector<std::string> url_passwords(std::string_view text) {
  std::vector<std::string> out;
  for (auto [begin, end] : password_spans(text)) out.emplace_back(text.substr(begin, end - begin));
  return out;
}

std::string mask_url_passwords(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (auto [begin, end] : password_spans(text)) {
    out.append(text.substr(copied, begin - copied)).append(secret_mask);
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

Secrets::Secrets(const std::vector<std::string>& values) {
  for (const auto& value : values)
    if (maskable(value)) values_.push_back(value);
  std::sort(values_.begin(), values_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  values_.erase(std::unique(values_.begin(), values_.end()), values_.end());
  for (std::size_t i = 0; i < values_.size(); ++i) by_prefix_[prefix(values_[i])].push_back(i);
}

Secrets Secrets::of(const ProjectSpec& project) {
  Collector collect;
  collect.env(project.env_file_env);
  collect.env(project.env);
  for (const auto& [name, value] : project.variables)
    if (looks_secret(name)) collect.values.push_back(value);
  for (const auto& service : project.services) {
    collect.env(service.env_file_env);
    collect.env(service.env);
    collect.command(service.command);
    if (service.ready) collect.probe(*service.ready);
    if (service.alive) collect.probe(service.alive->probe);
  }
  return Secrets(collect.values);
}

const std::string* Secrets::match(std::string_view rest) const {
  if (rest.size() < min_secret_length) return nullptr;
  auto found = by_prefix_.find(prefix(rest));
  if (found == by_prefix_.end()) return nullptr;
  for (std::size_t index : found->second)
    if (rest.starts_with(values_[index])) return &values_[index];
  return nullptr;
}

std::string Secrets::mask(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (const std::string* hit = match(text.substr(i))) {
      out.append(secret_mask);
      i += hit->size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return mask_url_passwords(out);
}

}  // namespace summon::config
