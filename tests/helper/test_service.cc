// summon-test-service: a stand-in service whose start, readiness and stop are chosen on
// its command line, and which records each event with a CLOCK_MONOTONIC time.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: summon-test-service [OPTION...]
Plays a service: starts, becomes ready, runs until its stop signal.
  --name NAME            name in records (default: $SUMMON_SERVICE, else "service")
  --ready KIND[:ARG]     how it becomes ready; repeatable, all happen at once:
                         tcp:PORT tcp6:PORT http:PORT unix:PATH (listen), log:TEXT,
                         log-stderr:TEXT (print a line), notify (READY=1 on $NOTIFY_SOCKET),
                         fd:N (write a newline to fd N), fd-close:N (close fd N),
                         file:PATH (create or touch PATH)
  --ready-after MS       become ready MS after start (default 0)
  --http-status N        answer N on the http port until ready (default: refuse)
  --http-body TEXT       body of the answer once ready (default: ok)
  --record FILE          append "NAME EVENT [ARG...] MONOTONIC_NS" lines: start PID PGID,
                         child PID, ready, term SIGNAL, exit CODE
  --pidfile FILE         write the pid to FILE (and the child's to FILE.child)
  --exit-after MS        exit by itself MS after start (after becoming ready when due too)
  --exit-code N          the code of that exit (default 0)
  --on-term MODE         on a stop signal (TERM INT HUP QUIT USR1 USR2): exit (exit 0),
                         ignore, delay:MS (exit 0 MS later), code:N (exit N)
  --print TEXT           print TEXT as a line on stdout at start; repeatable
  --print-stderr TEXT    the same on stderr
  --lines N              print N lines "line 1".."line N" on stdout at start
  --long-line N          print one line of N 'x' characters on stdout at start
  --no-newline TEXT      print TEXT on stdout without a final newline at start
  --flood BYTES          write BYTES of 100-byte lines on stdout at start, as fast as it can,
                         then record "flooded BYTES NS LONGEST_WRITE_NS"
  --child                fork a child in the same process group that waits until a signal
                         kills it, as `sleep` would
  --stubborn-child       the same, but the child ignores stop signals: only SIGKILL ends it
  --notify-at MS:TEXT    send TEXT on $NOTIFY_SOCKET MS after start ("\n" in TEXT is a newline):
                         ERRNO=98, EXTEND_TIMEOUT_USEC=N, WATCHDOG=trigger...; repeatable
  --watchdog-every MS    once ready, send WATCHDOG=1 on $NOTIFY_SOCKET every MS
  --watchdog-until MS    send no WATCHDOG=1 from MS after start on
  --print-env NAME       print "NAME=VALUE" (or "NAME unset") on stdout at start; repeatable
)";

constexpr int stop_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

struct UsageError {
  std::string message;
};

enum class ReadyKind { tcp, tcp6, http, unix_socket, log, log_stderr, notify, fd, fd_close, file };

struct ReadyAction {
  ReadyKind kind;
  std::string text;  // the log line or the path
  int number = 0;    // the port or the fd
};

enum class OnTerm { exit, ignore, delay, code };

struct Options {
  std::string name;
  std::vector<ReadyAction> ready;
  long ready_after_ms = 0;
  int http_status = 0;
  std::string http_body = "ok";
  std::string record;
  std::string pidfile;
  std::optional<long> exit_after_ms;
  int exit_code = 0;
  OnTerm on_term = OnTerm::exit;
  long on_term_value = 0;
  std::vector<std::pair<int, std::string>> prints;  // fd, text
  long lines = 0;
  long long_line = 0;
  std::optional<std::string> no_newline;
  long flood = 0;
  bool child = false;
  bool stubborn_child = false;
  std::vector<std::pair<long, std::string>> notify_at;  // MS after start, message; in time order
  std::optional<long> watchdog_every_ms;
  std::optional<long> watchdog_until_ms;
  std::vector<std::string> print_env;
};

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

long parse_number(std::string_view option, std::string_view text, long low, long high) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
    throw UsageError{std::string(option) + " takes a number from " + std::to_string(low) + " to " +
                     std::to_string(high) + ", not '" + std::string(text) + "'"};
  return value;
}

ReadyAction parse_ready(std::string_view spec) {
  auto colon = spec.find(':');
  std::string_view kind = spec.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  auto number = [&](long low, long high) {
    return static_cast<int>(parse_number("--ready " + std::string(kind), arg, low, high));
  };
  auto text = [&] {
    if (arg.empty()) throw UsageError{"--ready " + std::string(kind) + " needs :TEXT"};
    return std::string(arg);
  };
  if (kind == "tcp") return {ReadyKind::tcp, {}, number(1, 65535)};
  if (kind == "tcp6") return {ReadyKind::tcp6, {}, number(1, 65535)};
  if (kind == "http") return {ReadyKind::http, {}, number(1, 65535)};
  if (kind == "unix") return {ReadyKind::unix_socket, text(), 0};
  if (kind == "log") return {ReadyKind::log, text(), 0};
  if (kind == "log-stderr") return {ReadyKind::log_stderr, text(), 0};
  if (kind == "notify" && arg.empty()) return {ReadyKind::notify, {}, 0};
  if (kind == "fd") return {ReadyKind::fd, {}, number(0, 1 << 20)};
  if (kind == "fd-close") return {ReadyKind::fd_close, {}, number(0, 1 << 20)};
  if (kind == "file") return {ReadyKind::file, text(), 0};
  throw UsageError{"unknown --ready kind '" + std::string(spec) +
                   "' (tcp:PORT, tcp6:PORT, http:PORT, unix:PATH, log:TEXT, log-stderr:TEXT, "
                   "notify, fd:N, fd-close:N, file:PATH)"};
}

// "MS:TEXT", with "\n" in TEXT for a newline: a datagram of several assignments.
std::pair<long, std::string> parse_notify_at(std::string_view spec, long max_ms) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon + 1 == spec.size())
    throw UsageError{"--notify-at takes MS:TEXT, not '" + std::string(spec) + "'"};
  const long ms = parse_number("--notify-at", spec.substr(0, colon), 0, max_ms);
  std::string text;
  std::string_view rest = spec.substr(colon + 1);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == 'n') {
      text += '\n';
      ++i;
    } else {
      text += rest[i];
    }
  }
  return {ms, text};
}

void parse_on_term(std::string_view spec, Options& options) {
  if (spec == "exit") {
    options.on_term = OnTerm::exit;
  } else if (spec == "ignore") {
    options.on_term = OnTerm::ignore;
  } else if (spec.starts_with("delay:")) {
    options.on_term = OnTerm::delay;
    options.on_term_value = parse_number("--on-term delay", spec.substr(6), 0, 86'400'000);
  } else if (spec.starts_with("code:")) {
    options.on_term = OnTerm::code;
    options.on_term_value = parse_number("--on-term code", spec.substr(5), 0, 255);
  } else {
    throw UsageError{"unknown --on-term mode '" + std::string(spec) +
                     "' (exit, ignore, delay:MS, code:N)"};
  }
}

Options parse(int argc, char** argv) {
  Options options;
  const char* service = std::getenv("SUMMON_SERVICE");
  options.name = service && *service ? service : "service";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    if (auto equals = arg.find('='); arg.starts_with("--") && equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
      has_value = true;
    }
    auto take = [&]() -> std::string_view {
      if (has_value) return value;
      if (i + 1 >= argc) throw UsageError{std::string(arg) + " needs a value"};
      return argv[++i];
    };
    auto no_value = [&] {
      if (has_value) throw UsageError{std::string(arg) + " takes no value"};
    };
    constexpr long max_ms = 86'400'000;
    if (arg == "--help" || arg == "-h") {
      no_value();
      (void)!::write(STDOUT_FILENO, usage.data(), usage.size());
      std::exit(0);
    } else if (arg == "--name") {
      options.name = take();
      if (options.name.empty() || options.name.find_first_of(" \n") != std::string::npos)
        throw UsageError{"--name must be one word"};
    } else if (arg == "--ready") {
      options.ready.push_back(parse_ready(take()));
    } else if (arg == "--ready-after") {
      options.ready_after_ms = parse_number(arg, take(), 0, max_ms);
    } else if (arg == "--http-status") {
      options.http_status = static_cast<int>(parse_number(arg, take(), 100, 599));
    } else if (arg == "--http-body") {
      options.http_body = take();
    } else if (arg == "--record") {
      options.record = take();
    } else if (arg == "--pidfile") {
      options.pidfile = take();
    } else if (arg == "--exit-after") {
      options.exit_after_ms = parse_number(arg, take(), 0, max_ms);
    } else if (arg == "--exit-code") {
      options.exit_code = static_cast<int>(parse_number(arg, take(), 0, 255));
    } else if (arg == "--on-term") {
      parse_on_term(take(), options);
    } else if (arg == "--print") {
      options.prints.emplace_back(STDOUT_FILENO, take());
    } else if (arg == "--print-stderr") {
      options.prints.emplace_back(STDERR_FILENO, take());
    } else if (arg == "--lines") {
      options.lines = parse_number(arg, take(), 0, 1'000'000'000);
    } else if (arg == "--flood") {
      options.flood = parse_number(arg, take(), 0, 1L << 40);
    } else if (arg == "--long-line") {
      options.long_line = parse_number(arg, take(), 0, 1'000'000'000);
    } else if (arg == "--no-newline") {
      options.no_newline = take();
    } else if (arg == "--child") {
      no_value();
      options.child = true;
    } else if (arg == "--stubborn-child") {
      no_value();
      options.child = true;
      options.stubborn_child = true;
    } else if (arg == "--notify-at") {
      options.notify_at.push_back(parse_notify_at(take(), max_ms));
    } else if (arg == "--watchdog-every") {
      options.watchdog_every_ms = parse_number(arg, take(), 1, max_ms);
    } else if (arg == "--watchdog-until") {
      options.watchdog_until_ms = parse_number(arg, take(), 0, max_ms);
    } else if (arg == "--print-env") {
      options.print_env.emplace_back(take());
    } else {
      throw UsageError{"unknown option '" + std::string(argv[i]) + "'"};
    }
  }
  std::stable_sort(options.notify_at.begin(), options.notify_at.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return options;
}

// Writes all of `data`; a reader that went away is not this program's failure.
void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

int signal_pipe[2] = {-1, -1};

void on_signal(int signal) {
  int saved = errno;
  auto byte = static_cast<unsigned char>(signal);
  (void)!::write(signal_pipe[1], &byte, 1);
  errno = saved;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "TERM";
    case SIGINT:
      return "INT";
    case SIGHUP:
      return "HUP";
    case SIGQUIT:
      return "QUIT";
    case SIGUSR1:
      return "USR1";
    case SIGUSR2:
      return "USR2";
    default:
      return std::to_string(signal);
  }
}

class Service {
 public:
  explicit Service(Options options) : options_(std::move(options)), start_(now_ns()) {}

  [[noreturn]] void run();

 private:
  struct Listener {
    int fd;
    bool http;
  };
  struct Connection {
    int fd;
    std::string request;
  };

  void record(const std::string& event);
  void write_pidfile(const std::string& path, pid_t pid);
  void install_signals();
  void start_child();
  void print_at_start();
  void flood();
  void notify(std::string_view message);
  bool notifies() const {
    return std::any_of(options_.ready.begin(), options_.ready.end(),
                       [](const auto& a) { return a.kind == ReadyKind::notify; });
  }
  void become_ready();
  /// Sends what is due at `now` (--notify-at, --watchdog-every); returns
  /// when the next is due, if anything is still to come.
  std::optional<std::int64_t> notify_due(std::int64_t now);
  void listen_inet(int family, int port, bool http);
  void listen_unix(const std::string& path);
  void accept_on(const Listener& listener);
  void serve(Connection& connection);
  void on_stop_signal(int signal);
  [[noreturn]] void finish(int code);
  /// Reports `what` (with `error`'s text when not 0) and exits 1.
  [[noreturn]] void fail(const std::string& what, int error = errno);
  std::int64_t at(long ms) const { return start_ + static_cast<std::int64_t>(ms) * 1'000'000; }

  Options options_;
  std::int64_t start_;
  int record_fd_ = -1;
  bool ready_ = false;
  std::optional<std::int64_t> exit_at_;
  int exit_code_ = 0;
  std::vector<Listener> listeners_;
  std::vector<Connection> connections_;
  std::vector<std::string> unix_paths_;
  std::size_t notified_ = 0;                   // --notify-at messages sent
  std::optional<std::int64_t> next_watchdog_;  // when the next WATCHDOG=1 is due
};

void Service::record(const std::string& event) {
  if (record_fd_ < 0) return;
  std::string line = options_.name + " " + event + " " + std::to_string(now_ns()) + "\n";
  (void)!::write(record_fd_, line.data(), line.size());  // one write: lines never interleave
}

void Service::write_pidfile(const std::string& path, pid_t pid) {
  // Through a rename, so that a reader never sees a half-written pid.
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot write " + temporary);
  write_all(fd, std::to_string(pid) + "\n");
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename to " + path);
}

void Service::install_signals() {
  if (::pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) fail("pipe2");
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  ::sigemptyset(&action.sa_mask);
  for (int signal : stop_signals) ::sigaction(signal, &action, nullptr);
  ::sigaction(SIGCHLD, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

void Service::start_child() {
  // Stop signals wait until the child has its own dispositions: one arriving
  // between fork and reset would run this process's handler in the child.
  sigset_t stops;
  sigset_t previous;
  ::sigemptyset(&stops);
  for (int signal : stop_signals) ::sigaddset(&stops, signal);
  ::sigprocmask(SIG_BLOCK, &stops, &previous);
  pid_t pid = ::fork();
  if (pid == 0) {
    // Like `sleep 1000`: no handlers, dies of the signals a plain program dies of.
    auto disposition = options_.stubborn_child ? SIG_IGN : SIG_DFL;
    for (int signal : stop_signals) ::signal(signal, disposition);
    ::signal(SIGCHLD, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::close(signal_pipe[0]);
    ::close(signal_pipe[1]);
    if (record_fd_ >= 0) ::close(record_fd_);
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    for (;;) ::pause();
  }
  int error = errno;
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) fail("fork", error);
  record("child " + std::to_string(pid));
  if (!options_.pidfile.empty()) write_pidfile(options_.pidfile + ".child", pid);
}

void Service::print_at_start() {
  for (const auto& name : options_.print_env) {
    const char* value = std::getenv(name.c_str());
    write_all(STDOUT_FILENO, value ? name + "=" + value + "\n" : name + " unset\n");
  }
  for (const auto& [fd, text] : options_.prints) write_all(fd, text + "\n");
  if (options_.lines > 0) {
    std::string chunk;
    for (long i = 1; i <= options_.lines; ++i) {
      chunk += "line " + std::to_string(i) + "\n";
      if (chunk.size() >= 65536) {
        write_all(STDOUT_FILENO, chunk);
        chunk.clear();
      }
    }
    write_all(STDOUT_FILENO, chunk);
  }
  if (options_.long_line > 0) {
    std::string line(static_cast<std::size_t>(options_.long_line), 'x');
    line += '\n';
    write_all(STDOUT_FILENO, line);
  }
  if (options_.no_newline) write_all(STDOUT_FILENO, *options_.no_newline);
  if (options_.flood > 0) flood();
}

// 100-byte lines in 64 KiB writes; the longest write is the longest time the
// reader (summon) kept this writer blocked.
void Service::flood() {
  std::string chunk;
  for (int n = 0; chunk.size() + 100 <= 65536; ++n) {
    std::string line = options_.name + " " + std::to_string(n) + " ";
    line.resize(99, 'x');
    chunk += line + "\n";
  }
  const auto began = now_ns();
  std::int64_t longest = 0;
  const long chunk_size = static_cast<long>(chunk.size());
  for (long left = options_.flood; left > 0;) {
    const auto size = static_cast<std::size_t>(std::min(left, chunk_size));
    const auto before = now_ns();
    write_all(STDOUT_FILENO, std::string_view(chunk).substr(0, size));
    longest = std::max(longest, now_ns() - before);
    left -= static_cast<long>(size);
  }
  record("flooded " + std::to_string(options_.flood) + " " + std::to_string(now_ns() - began) +
         " " + std::to_string(longest));
}

void Service::notify(std::string_view message) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) {
    write_all(STDERR_FILENO, options_.name + ": NOTIFY_SOCKET is not set\n");
    return;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::size_t length = std::strlen(path);
  if (length >= sizeof address.sun_path) fail("NOTIFY_SOCKET is too long", 0);
  std::memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';  // an abstract socket, as systemd writes it
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  if (::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&address), size) <
      0)
    write_all(STDERR_FILENO,
              options_.name + ": cannot notify " + path + ": " + std::strerror(errno) + "\n");
  ::close(fd);
}

void Service::listen_inet(int family, int port, bool http) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket");
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  int result = -1;
  if (family == AF_INET) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    result = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(static_cast<std::uint16_t>(port));
    address.sin6_addr = in6addr_loopback;
    result = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  if (result != 0 || ::listen(fd, 128) != 0)
    fail("cannot listen on " + std::string(family == AF_INET ? "127.0.0.1:" : "[::1]:") +
         std::to_string(port));
  listeners_.push_back({fd, http});
}

void Service::listen_unix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) fail("unix socket path too long: " + path, 0);
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket");
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 128) != 0)
    fail("cannot listen on " + path);
  unix_paths_.push_back(path);
  listeners_.push_back({fd, false});
}

void Service::become_ready() {
  ready_ = true;
  // Recorded first: whoever sees the service ready sees this line already written.
  record("ready");
  if (options_.watchdog_every_ms)
    next_watchdog_ = now_ns() + *options_.watchdog_every_ms * 1'000'000;
  for (const auto& action : options_.ready) {
    switch (action.kind) {
      case ReadyKind::tcp:
        listen_inet(AF_INET, action.number, false);
        break;
      case ReadyKind::tcp6:
        listen_inet(AF_INET6, action.number, false);
        break;
      case ReadyKind::http:
        if (options_.http_status == 0) listen_inet(AF_INET, action.number, true);
        break;
      case ReadyKind::unix_socket:
        listen_unix(action.text);
        break;
      case ReadyKind::log:
        write_all(STDOUT_FILENO, action.text + "\n");
        break;
      case ReadyKind::log_stderr:
        write_all(STDERR_FILENO, action.text + "\n");
        break;
      case ReadyKind::notify:
        notify("READY=1");
        break;
      case ReadyKind::fd:
        if (::write(action.number, "\n", 1) != 1)
          fail("cannot write to fd " + std::to_string(action.number));
        break;
      case ReadyKind::fd_close:
        ::close(action.number);
        break;
      case ReadyKind::file: {
        int fd = ::open(action.text.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || ::futimens(fd, nullptr) != 0) fail("cannot touch " + action.text);
        ::close(fd);
        break;
      }
    }
  }
}

std::optional<std::int64_t> Service::notify_due(std::int64_t now) {
  const auto& due = options_.notify_at;
  while (notified_ < due.size() && now >= at(due[notified_].first)) notify(due[notified_++].second);
  if (next_watchdog_ && options_.watchdog_until_ms &&
      *next_watchdog_ >= at(*options_.watchdog_until_ms))
    next_watchdog_.reset();
  if (next_watchdog_ && now >= *next_watchdog_) {
    notify("WATCHDOG=1");
    // From the time it was due, so that a late loop does not drift.
    next_watchdog_ = std::max(*next_watchdog_ + *options_.watchdog_every_ms * 1'000'000, now);
  }
  std::optional<std::int64_t> next = next_watchdog_;
  if (notified_ < due.size()) {
    const auto when = at(due[notified_].first);
    next = next ? std::min(*next, when) : when;
  }
  return next;
}

void Service::accept_on(const Listener& listener) {
  for (;;) {
    int fd = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (listener.http)
      connections_.push_back({fd, {}});
    else
      ::close(fd);
  }
}

// Answers once the request's head is in; the request itself does not matter.
void Service::serve(Connection& connection) {
  char buffer[4096];
  ssize_t n = ::read(connection.fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) connection.request.append(buffer, static_cast<std::size_t>(n));
  if (n > 0 && connection.request.find("\r\n\r\n") == std::string::npos &&
      connection.request.size() < 65536)
    return;
  if (n > 0) {
    int status = ready_ ? 200 : options_.http_status;
    std::string body = ready_ ? options_.http_body : "not ready";
    std::string response =
        "HTTP/1.1 " + std::to_string(status) + (ready_ ? " OK" : " Not Ready") +
        "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    int flags = ::fcntl(connection.fd, F_GETFL);
    ::fcntl(connection.fd, F_SETFL, flags & ~O_NONBLOCK);
    write_all(connection.fd, response);
    ::shutdown(connection.fd, SHUT_WR);
  }
  ::close(connection.fd);
  connection.fd = -1;
}

void Service::on_stop_signal(int signal) {
  record("term " + signal_name(signal));
  // As servers that speak sd_notify do: said before they start to stop.
  if (notifies()) notify("STOPPING=1");
  switch (options_.on_term) {
    case OnTerm::exit:
      finish(0);
    case OnTerm::code:
      finish(static_cast<int>(options_.on_term_value));
    case OnTerm::ignore:
      return;
    case OnTerm::delay: {
      auto when = now_ns() + options_.on_term_value * 1'000'000;
      if (!exit_at_ || when < *exit_at_) {
        exit_at_ = when;
        exit_code_ = 0;
      }
      return;
    }
  }
}

void Service::finish(int code) {
  record("exit " + std::to_string(code));
  for (const auto& path : unix_paths_) ::unlink(path.c_str());
  ::_exit(code);
}

void Service::fail(const std::string& what, int error) {
  write_all(STDERR_FILENO, "summon-test-service: " + options_.name + ": " + what +
                               (error ? std::string(": ") + std::strerror(error) : "") + "\n");
  finish(1);
}

void Service::run() {
  // First, so that a stop signal coming early is handled like any other.
  install_signals();
  if (!options_.record.empty()) {
    record_fd_ = ::open(options_.record.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (record_fd_ < 0) fail("cannot open " + options_.record);
  }
  record("start " + std::to_string(::getpid()) + " " + std::to_string(::getpgrp()));
  // Every "MS after start" counts from here, no earlier than the record's own
  // time: a test that compares the two must never see less than MS.
  start_ = now_ns();
  if (!options_.pidfile.empty()) write_pidfile(options_.pidfile, ::getpid());
  if (options_.child) start_child();
  if (notifies()) notify("STATUS=starting");
  if (options_.http_status != 0)
    for (const auto& action : options_.ready)
      if (action.kind == ReadyKind::http) listen_inet(AF_INET, action.number, true);
  print_at_start();
  if (options_.exit_after_ms) {
    exit_at_ = at(*options_.exit_after_ms);
    exit_code_ = options_.exit_code;
  }

  std::vector<pollfd> polled;
  for (;;) {
    auto now = now_ns();
    if (!ready_ && !options_.ready.empty() && now >= at(options_.ready_after_ms)) become_ready();
    if (exit_at_ && now >= *exit_at_) finish(exit_code_);

    std::optional<std::int64_t> next = exit_at_;
    if (auto notify_next = notify_due(now))
      next = next ? std::min(*next, *notify_next) : *notify_next;
    if (!ready_ && !options_.ready.empty()) {
      auto ready_at = at(options_.ready_after_ms);
      next = next ? std::min(*next, ready_at) : ready_at;
    }
    int timeout = -1;
    if (next)
      timeout =
          static_cast<int>(std::min<std::int64_t>((*next - now + 999'999) / 1'000'000, 1'000'000));

    polled.clear();
    polled.push_back({signal_pipe[0], POLLIN, 0});
    for (const auto& listener : listeners_) polled.push_back({listener.fd, POLLIN, 0});
    for (const auto& connection : connections_) polled.push_back({connection.fd, POLLIN, 0});
    if (::poll(polled.data(), polled.size(), timeout) < 0 && errno != EINTR) fail("poll");

    if (polled[0].revents) {
      unsigned char signals[64];
      ssize_t n = ::read(signal_pipe[0], signals, sizeof signals);
      for (ssize_t i = 0; i < n; ++i) {
        if (signals[i] == SIGCHLD)
          while (::waitpid(-1, nullptr, WNOHANG) > 0) {
          }
        else
          on_stop_signal(signals[i]);
      }
    }
    std::size_t index = 1;
    for (const auto& listener : listeners_)
      if (polled[index++].revents) accept_on(listener);
    std::size_t polled_connections = polled.size() - index;
    for (std::size_t i = 0; i < polled_connections; ++i)
      if (polled[index + i].revents) serve(connections_[i]);
    std::erase_if(connections_, [](const Connection& c) { return c.fd < 0; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const UsageError& error) {
    write_all(STDERR_FILENO, "summon-test-service: " + error.message + " (see --help)\n");
    return 2;
  }
  Service(std::move(options)).run();
}
