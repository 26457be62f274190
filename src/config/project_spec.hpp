// What a services file says, validated and interpolated: the config layer's
// output and the graph's and engine's input. Nothing here runs anything.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/diagnostic.hpp"

namespace summon::config {

using Duration = std::chrono::milliseconds;
/// An ordered list of environment entries; later entries win over earlier ones.
using EnvList = std::vector<std::pair<std::string, std::string>>;

/// How a service is started. A string command runs as `/bin/sh -c STRING`;
/// a list runs the program directly and nothing in it is interpreted.
struct Command {
  std::vector<std::string> argv;
  bool shell = false;  // argv is {"/bin/sh", "-c", text}
};

/// A TCP port: a number, or (before ports are picked) a reference to `ports:`.
struct PortValue {
  int number = 0;
  std::string port_name;  // set when the value is `${ports.NAME}` not yet resolved
};

struct TcpProbe {
  std::string host = "localhost";
  PortValue port;
};

/// An accepted range of HTTP status codes, inclusive: 200 is {200, 200}, "2xx" is {200, 299}.
struct StatusRange {
  int low = 200;
  int high = 399;
};

struct HttpProbe {
  std::string url;
  std::string method = "GET";
  std::vector<StatusRange> status;  // default: 200-399
  EnvList headers;
  std::optional<std::string> body;  // RE2 pattern searched in the first 64 KiB
};

struct ExecProbe {
  Command command;
};

enum class LogStream { stdout_stream, stderr_stream, both };

struct LogProbe {
  std::string pattern;  // RE2, searched per line with ANSI codes removed
  LogStream stream = LogStream::both;
  int count = 1;
};

struct FileProbe {
  std::string path;  // absolute
};

struct UnixProbe {
  std::string path;  // absolute
};

struct NotifyProbe {};

struct FdProbe {
  int fd = 3;
};

struct Probe;
struct AllProbe {
  std::vector<Probe> probes;
};

struct Probe {
  std::variant<TcpProbe, HttpProbe, ExecProbe, LogProbe, FileProbe, UnixProbe, NotifyProbe,
               FdProbe, AllProbe>
      kind;
  Duration timeout = std::chrono::seconds(60);
  Duration interval = std::chrono::milliseconds(100);
  Mark mark;
};

/// Every probe kind's name as written in the file: "tcp", "http", ...
const std::vector<std::string>& probe_kind_names();
/// This probe's kind name.
std::string probe_kind_name(const Probe& probe);

enum class Condition { started, ready, completed };
std::string condition_name(Condition condition);

struct Dependency {
  std::string service;
  Condition condition = Condition::ready;
  Mark mark;
  /// `{condition: ..., restart: true}`: stopped before this dependency is
  /// restarted (or once its crash is seen) and started again once the
  /// condition holds again (SPEC 1.4).
  bool restart = false;
};

/// What happens when a service's main process ends on its own (SPEC 1.5).
enum class RestartPolicy { no, on_failure, always };
/// "no", "on-failure", "always"
std::string restart_policy_name(RestartPolicy policy);

/// The delay before each restart in a row: `initial`, doubling up to `max`.
struct BackoffSpec {
  Duration initial = std::chrono::milliseconds(100);
  Duration max = std::chrono::seconds(30);
};

/// `alive:`: a polled probe (tcp, http, exec or unix) checked from ready on;
/// `probe.interval` is the time between attempts (default 10s), and
/// `probe.timeout` limits each attempt (default 5s). After `failures`
/// failed attempts in a row the service is unhealthy.
struct AliveSpec {
  Probe probe;
  int failures = 3;
  Mark mark;
};

struct StopSpec {
  int signal = 15;  // SIGTERM
  Duration timeout = std::chrono::seconds(10);
};

struct ServiceSpec {
  std::string name;
  Mark mark;  // where the service's key stands
  Command command;
  std::string cwd;       // absolute
  EnvList env_file_env;  // from the service's env_file entries, in order
  EnvList env;           // the service's `env`
  std::vector<Dependency> depends_on;
  std::optional<Probe> ready;
  StopSpec stop;
  std::optional<std::string> user;
  /// Part of the project only when one of these is active (SPEC 1.6); empty: always.
  std::vector<std::string> profiles;

  // Supervision (SPEC 1.5).
  RestartPolicy restart = RestartPolicy::no;
  // Where `restart` is written, for the checks across services.
  Mark restart_mark;
  std::optional<int> max_restarts;  // restarts in a row before giving up; unlimited if unset
  BackoffSpec backoff;
  std::optional<AliveSpec> alive;
  std::optional<Duration> watchdog;  // `watchdog: D`, with a notify probe: WATCHDOG_USEC
};

struct ProjectSpec {
  std::string name;
  std::string file;  // the config file, as given
  std::string dir;   // its folder, absolute
  EnvList env_file_env;  // from the top-level env_file entries, in order
  EnvList env;           // the top-level `env`
  std::vector<std::string> ports;
  std::vector<ServiceSpec> services;  // in file order
  /// Every file it was read from, as named: the services files given (the
  /// first is `file`), the override, and the files included or extended.
  std::vector<std::string> sources;
  /// The variables `${NAME}` read (from summon's environment or the `.env`
  /// beside the file), each once, with the value it had.
  EnvList variables;
};

/// Name of the environment variable that carries port `name`: SUMMON_PORT_<NAME>.
std::string port_variable(const std::string& port_name);

}  // namespace summon::config
