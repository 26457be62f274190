// summon holds a few descriptors per service (pipes, pidfds, probes), so the
// usual soft limit of 1024 ends a stack of a few hundred services; its
// services, though, should see the limit their user gave.
#pragma once

#include <sys/resource.h>

namespace summon::runtime {

/// Raises this process's soft RLIMIT_NOFILE to its hard limit and remembers
/// the soft limit it had, which every child summon starts gets back before
/// exec. For the summon program, once, at its start; a host program's
/// limits are its own, so the library never calls it.
void raise_descriptor_limit();

/// The limit children get back; nullptr if raise_descriptor_limit() changed
/// nothing.
const rlimit* child_descriptor_limit();

}  // namespace summon::runtime
