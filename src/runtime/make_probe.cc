// make_probe(): the config's probe kind mapped to its factory; polled kinds
// and file also get the probe's `interval`. make_attempt(): the same for the
// attempts of polled kinds.
#include <type_traits>
#include <variant>

#include "runtime/probe_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

std::unique_ptr<Probe> make_probe(const config::Probe& spec, const ProbeTarget& target,
                                  ProbeContext& context, ProbeEvents events) {
  return std::visit(
      [&](const auto& kind) -> std::unique_ptr<Probe> {
        using Kind = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<Kind, config::TcpProbe>) {
          return make_tcp_probe(kind, spec.interval, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::HttpProbe>) {
          return make_http_probe(kind, spec.interval, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::UnixProbe>) {
          return make_unix_probe(kind, spec.interval, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::ExecProbe>) {
          return make_exec_probe(kind, spec.interval, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::LogProbe>) {
          return make_log_probe(kind, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::FileProbe>) {
          return make_file_probe(kind, spec.interval, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::NotifyProbe>) {
          return make_notify_probe(kind, target, context, std::move(events));
        } else if constexpr (std::is_same_v<Kind, config::FdProbe>) {
          return make_fd_probe(kind, target, context, std::move(events));
        } else {
          static_assert(std::is_same_v<Kind, config::AllProbe>, "a probe kind without a factory");
          return make_all_probe(kind, target, context, std::move(events));
        }
      },
      spec.kind);
}

std::unique_ptr<ProbeAttempt> make_attempt(const config::Probe& spec, const ProbeTarget& target,
                                           ProbeContext& context) {
  return std::visit(
      [&](const auto& kind) -> std::unique_ptr<ProbeAttempt> {
        using Kind = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<Kind, config::TcpProbe>) {
          return make_tcp_attempt(kind, target, context);
        } else if constexpr (std::is_same_v<Kind, config::HttpProbe>) {
          return make_http_attempt(kind, target, context);
        } else if constexpr (std::is_same_v<Kind, config::UnixProbe>) {
          return make_unix_attempt(kind, target, context);
        } else if constexpr (std::is_same_v<Kind, config::ExecProbe>) {
          return make_exec_attempt(kind, target, context);
        } else {
          return nullptr;
        }
      },
      spec.kind);
}

}  // namespace summon::runtime
