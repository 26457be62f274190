// cgroup_usage, process_group_usage, usage_of: a few short files per
// answer. /proc/PID/stat has no way to ask for one group's members, so every
// group without a cgroup shares one pass over /proc.
#include "runtime/resource_usage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>

#include "runtime/proc_entry.hpp"

namespace summon::runtime {

namespace {

constexpr std::size_t longest_stat = 4096;          // a /proc/PID/stat line is well under 1 KiB
constexpr std::size_t longest_cgroup_file = 4096;   // cgroup.events, cpu.stat, memory.current
constexpr std::size_t longest_procs = 1024 * 1024;  // cgroup.procs: some 100,000 pids

// Up to `limit` bytes of the file at `path`; nothing if it cannot be opened
// or read.
std::optional<std::string> read_bounded(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  bool failed = false;
  while (text.size() < limit) {
    const ssize_t got = ::read(fd, buffer, std::min(sizeof buffer, limit - text.size()));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) failed = true;
    if (got <= 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (failed) return std::nullopt;
  return text;
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// The number after "KEY " on a line of a flat-keyed cgroup file (cpu.stat).
std::optional<std::uint64_t> keyed(std::string_view text, std::string_view key) {
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ')
      return number(line.substr(key.size() + 1));
    at = end + 1;
  }
  return std::nullopt;
}

std::chrono::nanoseconds from_ticks(std::uint64_t ticks) {
  static const long per_second = ::sysconf(_SC_CLK_TCK);
  const auto hz = static_cast<std::uint64_t>(per_second > 0 ? per_second : 100);
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(ticks / hz * 1'000'000'000 + ticks % hz * 1'000'000'000 / hz));
}

std::uint64_t page_size() {
  static const long size = ::sysconf(_SC_PAGESIZE);
  return static_cast<std::uint64_t>(size > 0 ? size : 4096);
}

// What one /proc/PID/stat says of a live process.
struct ProcessStat {
  pid_t group = 0;
  std::uint64_t ticks = 0;      // utime + stime
  std::uint64_t rss_pages = 0;  // resident
};

// Fields counted from after the last ')' (COMM may hold anything): the state
// is field 3 of proc(5), pgrp 5, utime 14, stime 15, rss 24. Nothing for a
// zombie, a process gone, or a line that does not read.
std::optional<ProcessStat> process_stat(pid_t pid) {
  const auto text = read_bounded("/proc/" + std::to_string(pid) + "/stat", longest_stat);
  if (!text) return std::nullopt;
  const auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(*text).substr(close + 1);
  std::string_view fields[22];
  std::size_t count = 0;
  while (count < std::size(fields)) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == rest.npos) break;
    rest.remove_prefix(start);
    const auto end = std::min(rest.find_first_of(" \n"), rest.size());
    fields[count++] = rest.substr(0, end);
    rest.remove_prefix(end);
  }
  if (count < std::size(fields)) return std::nullopt;
  if (fields[0] == "Z" || fields[0] == "X" || fields[0] == "x") return std::nullopt;
  const auto group = number(fields[2]);
  const auto utime = number(fields[11]), stime = number(fields[12]);
  // rss is signed in the kernel's words; a negative one reads as none.
  const auto rss =
      fields[21].starts_with('-') ? std::optional<std::uint64_t>(0) : number(fields[21]);
  if (!group || !utime || !stime || !rss) return std::nullopt;
  return ProcessStat{static_cast<pid_t>(*group), *utime + *stime, *rss};
}

}  // namespace

std::optional<ResourceUsage> cgroup_usage(const std::string& path) {
  const auto events = read_bounded(path + "/cgroup.events", longest_cgroup_file);
  if (!events || keyed(*events, "populated") != 1) return std::nullopt;
  const auto stat = read_bounded(path + "/cpu.stat", longest_cgroup_file);
  const auto usec = stat ? keyed(*stat, "usage_usec") : std::nullopt;
  if (!usec) return std::nullopt;
  ResourceUsage usage;
  usage.cpu = std::chrono::microseconds(static_cast<std::int64_t>(*usec));
  if (const auto current = read_bounded(path + "/memory.current", longest_cgroup_file)) {
    if (const auto bytes = number(*current)) {
      usage.memory_bytes = *bytes;
      return usage;
    }
  }
  // No memory controller in this tree: the members' own resident sets.
  const auto procs = read_bounded(path + "/cgroup.procs", longest_procs);
  if (!procs) return usage;
  std::uint64_t pages = 0;
  for (std::size_t at = 0; at < procs->size();) {
    const std::size_t end = std::min(procs->find('\n', at), procs->size());
    if (const auto pid = number(std::string_view(*procs).substr(at, end - at)))
      if (const auto process = process_stat(static_cast<pid_t>(*pid))) pages += process->rss_pages;
    at = end + 1;
  }
  usage.memory_bytes = pages * page_size();
  return usage;
}

std::vector<std::optional<ResourceUsage>> process_group_usage(std::span<const pid_t> groups) {
  std::vector<std::optional<ResourceUsage>> usage(groups.size());
  if (groups.empty()) return usage;
  std::vector<std::uint64_t> ticks(groups.size(), 0), pages(groups.size(), 0);
  for (const pid_t pid : all_processes()) {
    const auto process = process_stat(pid);
    if (!process) continue;
    const auto found = std::find(groups.begin(), groups.end(), process->group);
    if (found == groups.end()) continue;
    const auto k = static_cast<std::size_t>(found - groups.begin());
    ticks[k] += process->ticks;
    pages[k] += process->rss_pages;
    usage[k].emplace();
  }
  for (std::size_t k = 0; k < groups.size(); ++k)
    if (usage[k]) *usage[k] = ResourceUsage{from_ticks(ticks[k]), pages[k] * page_size()};
  return usage;
}

std::vector<std::optional<ResourceUsage>> usage_of(const CgroupTree& cgroups,
                                                   std::span<const UsageQuery> services) {
  std::vector<std::optional<ResourceUsage>> usage(services.size());
  std::vector<pid_t> groups;
  std::vector<std::size_t> grouped;  // which service each of `groups` is
  for (std::size_t k = 0; k < services.size(); ++k) {
    if (!services[k].pid) continue;
    if (const auto leaf = cgroups.existing_leaf(service_leaf_name(services[k].name))) {
      usage[k] = cgroup_usage(leaf->path());
      continue;
    }
    groups.push_back(*services[k].pid);
    grouped.push_back(k);
  }
  const auto by_group = process_group_usage(groups);
  for (std::size_t g = 0; g < groups.size(); ++g) usage[grouped[g]] = by_group[g];
  return usage;
}

}  // namespace summon::runtime
