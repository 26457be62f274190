// Where the runtime sends what services say: the CLI prints it, the library
// keeps it.
#pragma once

#include <string_view>

#include "graph/dependency_graph.hpp"
#include "runtime/output_stream.hpp"

namespace summon::runtime {

class OutputListener {
 public:
  virtual ~OutputListener() = default;
  /// One line of service i's output, as it wrote it (ANSI codes and all).
  virtual void on_line(graph::ServiceIndex i, Stream stream, std::string_view line) = 0;
  /// What service i says of itself (notify's `STATUS=`).
  virtual void on_status(graph::ServiceIndex i, std::string_view text) = 0;
  /// A chunk of output has been handed over line by line: a good moment to flush.
  virtual void flush() {}
};

}  // namespace summon::runtime
