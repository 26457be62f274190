// The summary a failed run ends with, shared by `summon up` and the
// library's StartError.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "config/project_spec.hpp"
#include "runtime/output_stream.hpp"

namespace summon::runtime {

/// Copies one line of a service's output into the summary.
using AppendLine = std::function<void(std::string& out, std::string_view line)>;

/// "summon: error: MESSAGE\n", then "last N lines of SERVICE:\n" and each of
/// `tail` as "  SERVICE | LINE\n" (none when `tail` is empty). When the
/// service's readiness probe is a log probe that reads only one stream (also
/// within `all`), each line says its stream: "  SERVICE stderr | LINE\n".
/// Lines are copied as they are unless `append_line` is given (the CLI makes
/// them safe for a terminal).
std::string failure_summary(std::string_view message, const config::ServiceSpec& service,
                            const std::deque<OutputLine>& tail, const AppendLine& append_line = {});

}  // namespace summon::runtime
