// One factory per probe kind; make_probe() picks among them.
#pragma once

#include <memory>

#include "runtime/probe.hpp"

namespace summon::runtime {

using config::Duration;

// Polled probes: each attempt after next_attempt_delay(), at most `interval` apart.
// The file probe uses it too, while the file's folder does not exist yet.
std::unique_ptr<Probe> make_tcp_probe(const config::TcpProbe& spec, Duration interval,
                                      const ProbeTarget& target, ProbeContext& context,
                                      ProbeEvents events);
std::unique_ptr<Probe> make_http_probe(const config::HttpProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events);
std::unique_ptr<Probe> make_unix_probe(const config::UnixProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events);
std::unique_ptr<Probe> make_exec_probe(const config::ExecProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events);
std::unique_ptr<Probe> make_file_probe(const config::FileProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events);

// Pushed probes: the service tells, nothing is polled.
std::unique_ptr<Probe> make_log_probe(const config::LogProbe& spec, const ProbeTarget& target,
                                      ProbeContext& context, ProbeEvents events);
std::unique_ptr<Probe> make_notify_probe(const config::NotifyProbe& spec, const ProbeTarget& target,
                                         ProbeContext& context, ProbeEvents events);
std::unique_ptr<Probe> make_fd_probe(const config::FdProbe& spec, const ProbeTarget& target,
                                     ProbeContext& context, ProbeEvents events);
std::unique_ptr<Probe> make_all_probe(const config::AllProbe& spec, const ProbeTarget& target,
                                      ProbeContext& context, ProbeEvents events);

}  // namespace summon::runtime
