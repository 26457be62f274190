// `summon timeline` and `--timeline FILE` (SPEC 2 and 2.3): the last
// bring-up, as the supervisor recorded it, in the form asked for.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/control_commands.hpp"
#include "runtime/write_all.hpp"
#include "timeline/json.hpp"
#include "timeline/svg.hpp"
#include "timeline/text.hpp"

namespace summon::cli {

namespace {

std::string rendered(const timeline::Timeline& timeline, TimelineFormat format) {
  switch (format) {
    case TimelineFormat::svg:
      return timeline::svg(timeline);
    case TimelineFormat::json:
      return timeline::to_json(timeline).dump(2) + "\n";
    case TimelineFormat::text:
      break;
  }
  return timeline::text(timeline);
}

}  // namespace

std::optional<TimelineFormat> timeline_format_of(const std::string& file) {
  if (file.ends_with(".svg")) return TimelineFormat::svg;
  if (file.ends_with(".json")) return TimelineFormat::json;
  if (file.ends_with(".txt")) return TimelineFormat::text;
  return std::nullopt;
}

// Written to a new file beside it, then renamed into place: a symbolic or
// hard link at `file` is replaced, never written through (SPEC 3.5), and a
// reader never sees half a timeline.
std::optional<std::string> write_timeline(const timeline::Timeline& timeline, TimelineFormat format,
                                          const std::string& file) {
  const std::string content = rendered(timeline, format);
  const std::string temporary = fmt::format("{}.{}.tmp", file, ::getpid());
  const int fd = ::open(temporary.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot write {}: {}", file, std::strerror(errno));
  const bool written = runtime::write_all(fd, content);
  const int write_error = errno;
  if (::close(fd) != 0 || !written) {
    const int error = written ? errno : write_error;
    ::unlink(temporary.c_str());
    return fmt::format("cannot write {}: {}", file, std::strerror(error));
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return fmt::format("cannot write {}: {}", file, std::strerror(error));
  }
  return std::nullopt;
}

int timeline_command(const ControlTarget& target, TimelineFormat format,
                     const std::optional<std::string>& output) {
  control::Request request;
  request.command = control::Command::timeline;
  auto answer = first_reply(target, request);
  if (auto* code = std::get_if<int>(&answer)) return *code;
  const auto& reply = std::get<nlohmann::json>(answer);
  const auto timeline =
      reply.contains("timeline") ? timeline::from_json(reply["timeline"]) : std::nullopt;
  if (!timeline) {
    fmt::print(stderr, "summon timeline: error: {} sent no timeline that can be read\n",
               target.describe());
    return exit_failed;
  }
  if (!output) {
    fmt::print("{}", rendered(*timeline, format));
    return exit_ok;
  }
  if (auto error = write_timeline(*timeline, format, *output)) {
    fmt::print(stderr, "summon timeline: error: {}\n", *error);
    return exit_failed;
  }
  return exit_ok;
}

}  // namespace summon::cli
