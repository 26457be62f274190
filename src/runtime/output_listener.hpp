// Where the runtime sends what services say: the CLI prints it, the library
// keeps it.
#pragma once

#include <span>
#include <string_view>

#include "graph/dependency_graph.hpp"
#include "runtime/output_stream.hpp"

namespace summon::runtime {

class OutputListener {
 public:
  virtual ~OutputListener() = default;
  /// Lines of service i's output, as it wrote them (ANSI codes and all), in
  /// order: all that one read of its pipe completed.
  virtual void on_lines(graph::ServiceIndex i, Stream stream,
                        std::span<const std::string_view> lines) = 0;
  /// What service i says of itself (notify's `STATUS=`).
  virtual void on_status(graph::ServiceIndex i, std::string_view text) = 0;
  /// Something about service i the user should know that is not a change
  /// of its state ("ignored a notify message from pid 42 ..."), shown once.
  virtual void on_notice(graph::ServiceIndex i, std::string_view text) {
    (void)i;
    (void)text;
  }
  /// Output of service i is being lost, and the run goes on: `text` says
  /// what and why, without the service's name ("log file /x/api.log: No
  /// space left on device; its output from now on is not written"). Told
  /// once per cause, to be shown among summon's own lines.
  virtual void on_warning(graph::ServiceIndex i, std::string_view text) = 0;
  /// A chunk of output has been handed over: a good moment to flush.
  virtual void flush() {}
};

}  // namespace summon::runtime
