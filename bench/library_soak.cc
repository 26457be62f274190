// Library soak: many Session up/down cycles of bench/soak's 10-service graph
// inside one host program. After each cycle it samples the host itself
// (descriptors, threads, resident memory, zombie children) and what the
// cycle may have left (graph processes still running, cgroup and runtime
// folders). A host that runs sessions all day must stay flat.
//
// usage: library_soak TEST_SERVICE [--cycles N]
//        library_soak TEST_SERVICE --quick   (20 cycles; exits 1 on a leak)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <summon/summon.hpp>

namespace fs = std::filesystem;

namespace {

// bench/soak's graph: five tcp and five log probes in four layers, every
// service with a child in its group, and one that starts a setsid daemon.
constexpr const char* graph = R"(ports: [p0, p1, p2, p3, p4]
services:
  s0: {command: ["${TS}", --name, s0, --child, --ready, "tcp:${ports.p0}", --record, "${MARK}"],
       ready: {tcp: "${ports.p0}"}}
  s1: {command: ["${TS}", --name, s1, --child, --ready, "log:up", --record, "${MARK}"],
       ready: {log: up}, depends_on: [s0]}
  s2: {command: ["${TS}", --name, s2, --child, --ready, "tcp:${ports.p1}", --record, "${MARK}"],
       ready: {tcp: "${ports.p1}"}, depends_on: [s0]}
  s3: {command: ["${TS}", --name, s3, --child, --ready, "log:up", --record, "${MARK}"],
       ready: {log: up}, depends_on: [s1]}
  s4: {command: ["${TS}", --name, s4, --child, --ready, "tcp:${ports.p2}", --record, "${MARK}"],
       ready: {tcp: "${ports.p2}"}, depends_on: [s1, s2]}
  s5: {command: ["${TS}", --name, s5, --child, --ready, "log:up", --record, "${MARK}"],
       ready: {log: up}, depends_on: [s2]}
  s6: {command: ["${TS}", --name, s6, --child, --ready, "tcp:${ports.p3}", --record, "${MARK}"],
       ready: {tcp: "${ports.p3}"}, depends_on: [s3]}
  s7: {command: ["${TS}", --name, s7, --child, --ready, "log:up", --record, "${MARK}"],
       ready: {log: up}, depends_on: [s4]}
  s8: {command: ["${TS}", --name, s8, --child, --ready, "tcp:${ports.p4}", --record, "${MARK}"],
       ready: {tcp: "${ports.p4}"}, depends_on: [s5, s6]}
  s9:
    command:
      - sh
      - -c
      - (setsid "$0" --name s9d --record "$1" &); exec "$0" --name s9 --ready log:up --record "$1"
      - ${TS}
      - ${MARK}
    ready: {log: up}
    depends_on: [s7, s8]
)";

long status_field(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return 0;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Sample {
  long fds = 0, threads = 0, rss_kib = 0, zombie_children = 0, left_running = 0, cgroups = 0,
       runtime_dirs = 0;
};

Sample sample(const std::string& mark, const std::string& own_cgroup) {
  Sample out;
  std::error_code error;
  for ([[maybe_unused]] const auto& fd : fs::directory_iterator("/proc/self/fd", error)) ++out.fds;
  out.threads = status_field("/proc/self/status", "Threads");
  out.rss_kib = status_field("/proc/self/status", "VmRSS");
  const std::string self = std::to_string(::getpid());
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_all(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state, ppid;
    fields >> state >> ppid;
    if (ppid == self && state == "Z") ++out.zombie_children;
    if (state != "Z" && read_all(entry.path() / "cmdline").find(mark) != std::string::npos)
      ++out.left_running;
  }
  if (!own_cgroup.empty())
    for (const auto& entry : fs::directory_iterator(own_cgroup, error))
      if (entry.path().filename().string().rfind("summon." + self, 0) == 0) ++out.cgroups;
  const char* base = std::getenv("XDG_RUNTIME_DIR");
  for (const auto& entry : fs::directory_iterator(base && *base ? base : "/tmp", error))
    if (entry.path().filename().string().rfind("summon-", 0) == 0) ++out.runtime_dirs;
  return out;
}

// This process's cgroup v2 folder, where sessions make theirs; "" without one.
std::string own_cgroup_folder() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0)
      for (const char* mount : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"})
        if (fs::exists(std::string(mount) + "/cgroup.controllers"))
          return std::string(mount) + line.substr(3);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: library_soak TEST_SERVICE [--cycles N | --quick]\n");
    return 2;
  }
  int cycles = 300;
  bool quick = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true, cycles = 20;
    if (std::strcmp(argv[i], "--cycles") == 0 && i + 1 < argc) cycles = std::atoi(argv[++i]);
  }
  const fs::path dir =
      fs::temp_directory_path() / ("summon-library-soak-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string mark = (dir / "mark").string();
  ::setenv("TS", fs::absolute(argv[1]).c_str(), 1);
  ::setenv("MARK", mark.c_str(), 1);
  std::ofstream(dir / "services.yaml") << graph;
  const auto project = summon::Project::load((dir / "services.yaml").string());
  const std::string cgroup = own_cgroup_folder();

  const Sample before = sample(mark, cgroup);
  std::vector<Sample> samples;
  const auto started = std::chrono::steady_clock::now();
  for (int n = 0; n < cycles; ++n) {
    { summon::Session session(project); }
    samples.push_back(sample(mark, cgroup));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fs::remove_all(dir);

  std::printf("%d cycles in %.1f s (%.1f ms per cycle: 10 services up and down)\n", cycles, seconds,
              1000 * seconds / cycles);
  std::printf("%-16s %8s %8s %8s %8s\n", "host, after", "before", "first", "last", "max");
  const std::map<std::string, long Sample::*> columns = {
      {"fds", &Sample::fds},
      {"threads", &Sample::threads},
      {"rss_kib", &Sample::rss_kib},
      {"zombie_children", &Sample::zombie_children},
      {"left_running", &Sample::left_running},
      {"cgroups", &Sample::cgroups},
      {"runtime_dirs", &Sample::runtime_dirs},
  };
  bool leaked = false;
  for (const auto& [name, field] : columns) {
    long most = 0;
    for (const auto& each : samples) most = std::max(most, each.*field);
    std::printf("%-16s %8ld %8ld %8ld %8ld\n", name.c_str(), before.*field, samples.front().*field,
                samples.back().*field, most);
    // Memory may settle after the first cycles; counts must not move at all.
    if (name != "rss_kib" && samples.back().*field > before.*field) leaked = true;
  }
  if (leaked) std::printf("LEAK: a count grew past its value before the first cycle\n");
  return quick && leaked ? 1 : 0;
}
