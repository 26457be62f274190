// Runs of the PostgreSQL examples, and the clients that check them from outside.
#include "postgres_examples.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace summon::testing {

EnvChanges postgres_env() {
  if (::geteuid() == 0) return {{"PG_USER", "postgres"}, {"PG_DATA", std::nullopt}};
  const passwd* me = ::getpwuid(::geteuid());
  if (!me) throw std::runtime_error("the test's user is not in the password database");
  return {{"PG_USER", std::string(me->pw_name)}, {"PG_DATA", std::nullopt}};
}

RunOptions postgres_options(const ExampleFolder& example, const EnvChanges& env) {
  RunOptions options = example.options();
  for (const auto& changes : {postgres_env(), env})
    options.env.insert(options.env.end(), changes.begin(), changes.end());
  options.timeout = std::chrono::seconds(150);
  return options;
}

Background summon_up(const ExampleFolder& example) {
  return Background(summon_bin(), {"up", example.dir().string()}, postgres_options(example));
}

RunResult summon_run(const ExampleFolder& example, const std::string& script) {
  return run_program(summon_bin(), {"run", example.dir().string(), "--", "sh", "-c", script},
                     postgres_options(example));
}

pid_t started_pid(const Background& summon, const std::string& service) {
  const std::string marker = "[summon] " + service + " started (pid ";
  auto line = summon.find_line(marker);
  if (!line) return 0;
  return static_cast<pid_t>(
      std::atol(line->text.c_str() + line->text.find(marker) + marker.size()));
}

int postgres_port(const Background& summon, const std::string& service) {
  const std::string marker = "listening on IPv4 address \"127.0.0.1\", port ";
  for (const auto& line : summon.lines()) {
    const auto at = line.text.find(marker);
    if (line.text.starts_with(service + " ") && at != std::string::npos)
      return std::atoi(line.text.c_str() + at + marker.size());
  }
  return 0;
}

std::map<std::string, int> summon_ports(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  const std::string prefix = "SUMMON_PORT_";
  std::map<std::string, int> ports;
  for (std::string entry; std::getline(in, entry, '\0');) {
    const auto equals = entry.find('=');
    if (entry.starts_with(prefix) && equals != std::string::npos)
      ports[entry.substr(prefix.size(), equals - prefix.size())] = std::atoi(&entry[equals + 1]);
  }
  return ports;
}

std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string folders = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= folders.size();) {
    auto end = folders.find(':', start);
    if (end == std::string::npos) end = folders.size();
    const auto file = folders.substr(start, end - start) + "/" + name;
    if (::access(file.c_str(), X_OK) == 0) return file;
    start = end + 1;
  }
  return name;
}

std::string psql(int port, const std::string& sql) {
  auto run = run_program(on_path("psql"), {"-X", "-q", "-h", "127.0.0.1", "-p",
                                           std::to_string(port), "-U", "postgres", "-Atc", sql});
  if (run.exit_code != 0) return "psql failed: " + run.err;
  if (run.out.ends_with('\n')) run.out.pop_back();
  return run.out;
}

std::string redis_cli(int port, const std::vector<std::string>& words) {
  std::vector<std::string> args{"-p", std::to_string(port)};
  args.insert(args.end(), words.begin(), words.end());
  auto run = run_program(on_path("redis-cli"), args);
  if (run.out.ends_with('\n')) run.out.pop_back();
  return run.out;
}

std::string file_identity(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return "";
  return std::to_string(status.st_ino) + "@" + std::to_string(status.st_mtim.tv_sec) + "." +
         std::to_string(status.st_mtim.tv_nsec);
}

}  // namespace summon::testing
