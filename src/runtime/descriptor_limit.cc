#include "runtime/descriptor_limit.hpp"

namespace summon::runtime {

namespace {

// Set once, before any child exists, and only read afterwards.
rlimit started_with{};
bool raised = false;

}  // namespace

void raise_descriptor_limit() {
  rlimit limit{};
  if (raised || ::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  started_with = limit;
  limit.rlim_cur = limit.rlim_max;
  raised = ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

const rlimit* child_descriptor_limit() {
  return raised ? &started_with : nullptr;
}

}  // namespace summon::runtime
