// Readiness probes for services declared in C++: the same kinds, forms and
// defaults as `ready:` in a services file (SPEC 1.3), and, given to
// Service::alive(), as `alive:` (SPEC 1.5). A probe is a value; copy it
// freely.
//
// Strings are interpolated as in the file: `${ports.web}` is the port picked
// for this session, `${NAME}` an environment variable, `$$` a literal `$`.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace summon {

class Probe;
class Service;

/// A command run by `/bin/sh -c TEXT`, for a service or an `exec` probe:
/// `summon::shell("./api --port ${ports.api} 2>&1 | tee api.log")`.
/// (Made only by shell(), so that a braced list such as `{"true"}` always
/// means a command list, never a ShellCommand.)
class ShellCommand {
 public:
  const std::string& text() const { return text_; }

 private:
  struct Made {};
  ShellCommand(Made, std::string text) : text_(std::move(text)) {}
  std::string text_;
  friend ShellCommand shell(std::string text);
};
inline ShellCommand shell(std::string text) {
  return {ShellCommand::Made{}, std::move(text)};
}

/// The full form of an `http` probe.
struct HttpCheck {
  std::string url;
  std::string method = "GET";
  /// Accepted status codes or classes: "200", "204", "2xx". Empty: any 2xx or 3xx.
  std::vector<std::string> status;
  std::map<std::string, std::string> headers;
  /// An RE2 pattern the first 64 KiB of the body must contain. Empty: any body.
  std::string body;
};

/// Which output a `log` probe reads.
enum class Stream { stdout_stream, stderr_stream, both };

class Probe {
 public:
  /// From spawn to ready; past it the service has failed. Default 60 s.
  /// For Service::alive(): how long each attempt may take; default 5 s.
  Probe& timeout(std::chrono::milliseconds limit);
  /// The longest wait between two attempts of a polled probe (tcp, http,
  /// exec, unix). Default 100 ms; summon may try sooner. For
  /// Service::alive(): the time between two attempts; default 10 s.
  Probe& interval(std::chrono::milliseconds longest);

  class Impl;  // the library's own

 private:
  explicit Probe(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  friend struct ProbeAccess;
};

/// A TCP connect to localhost:`port` succeeds (127.0.0.1, then ::1).
Probe tcp(int port);
/// The same with the port as text, or "host:port": `tcp("${ports.db}")`,
/// `tcp("127.0.0.1:${ports.db}")`.
Probe tcp(std::string address);
/// A GET of `url` answers 2xx or 3xx (redirects are not followed).
Probe http(std::string url);
Probe http(HttpCheck check);
/// The command exits 0; it runs with the service's environment and folder.
Probe exec(std::vector<std::string> command);
Probe exec(ShellCommand command);
/// A line of the service's output (colour codes removed) contains a match
/// of RE2 `pattern`, `count` times.
Probe log(std::string pattern, Stream stream = Stream::both, int count = 1);
/// The file exists and was created or changed after the service started.
/// Relative to the service's folder.
Probe file(std::string path);
/// A stream connect to this unix socket succeeds.
Probe unix_socket(std::string path);
/// The service sends READY=1 on $NOTIFY_SOCKET (systemd's sd_notify).
Probe notify();
/// The service writes a newline to its descriptor `fd` (3 or more; s6's protocol).
Probe fd(int fd);
/// Every one of `probes` holds.
Probe all(std::vector<Probe> probes);

}  // namespace summon
