#include <cstdio>
#include <exception>

#include "cli/app.hpp"
#include "runtime/descriptor_limit.hpp"

int main(int argc, char** argv) {
  // Whatever escapes (the runtime refusing to start, out of memory) is said
  // as an error like any other, not left to std::terminate's abort.
  summon::runtime::raise_descriptor_limit();
  try {
    return summon::cli::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "summon: error: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "summon: error: an unknown exception ended summon\n");
  }
  return 1;
}
