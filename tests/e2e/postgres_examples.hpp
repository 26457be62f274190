// The examples that hold PostgreSQL servers, run from a copy and looked at from outside.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "example_folder.hpp"
#include "run_summon.hpp"

namespace summon::testing {

/// PG_USER for the examples: postgres when the test runs as root (PostgreSQL
/// refuses root), else the test's own user. PG_DATA is removed: the data
/// stays in the copy (./data).
EnvChanges postgres_env();

/// The example's options with postgres_env(), then `env`, and time enough for initdb.
RunOptions postgres_options(const ExampleFolder& example, const EnvChanges& env = {});

/// Starts `summon up FOLDER` in the background.
Background summon_up(const ExampleFolder& example);

/// Runs `summon run FOLDER -- sh -c SCRIPT` to its end.
RunResult summon_run(const ExampleFolder& example, const std::string& script);

/// The pid in summon's "[summon] SERVICE started (pid N)" line, or 0.
pid_t started_pid(const Background& summon, const std::string& service);

/// The port PostgreSQL says it listens on in SERVICE's output ("SERVICE | ...
/// listening on IPv4 address "127.0.0.1", port N"), or 0.
int postgres_port(const Background& summon, const std::string& service);

/// The SUMMON_PORT_* variables in the environment of process `pid`, by name
/// ("PG" for SUMMON_PORT_PG): summon gives every service all of them.
std::map<std::string, int> summon_ports(pid_t pid);

/// The path of program `name` in $PATH (run_program looks in no PATH), or
/// `name` itself when there is none.
std::string on_path(const std::string& name);

/// `psql -q -h 127.0.0.1 -p PORT -U postgres -Atc SQL` (no command tags): its output without the
/// last newline, or "psql failed: " and its stderr.
std::string psql(int port, const std::string& sql);

/// `redis-cli -p PORT WORDS...`: its output without the last newline.
std::string redis_cli(int port, const std::vector<std::string>& words);

/// The inode and modification time of `path`, to tell a file kept from one
/// made anew; empty when there is none.
std::string file_identity(const std::string& path);

}  // namespace summon::testing
