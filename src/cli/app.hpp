// The command line: parses arguments, runs one command, returns its exit code.
#pragma once

namespace summon::cli {

/// Runs summon with these arguments; returns the exit code (SPEC 2.1).
int run(int argc, char** argv);

}  // namespace summon::cli
