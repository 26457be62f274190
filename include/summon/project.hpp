// A set of services to bring up: read from a services file, or declared in
// C++. A Project is a value and holds no processes; bring it up with a
// Session, as many times as you like, even at once (each Session picks its
// own ports).
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "summon/service.hpp"

namespace summon {

class Project {
 public:
  /// Reads and checks a services file (SPEC 1) at once. Throws ConfigError
  /// with every problem, each at its FILE:LINE:COL. The file is read again
  /// (by its absolute path) when each Session starts, with the environment
  /// as it is then: a variable must be set (or have a default) at both times.
  static Project load(const std::string& path);

  /// How load() reads a project from several files (SPEC 1.6).
  struct LoadOptions {
    /// The active profiles, as `--profile` gives them (SUMMON_PROFILES is
    /// the command line's, not read here).
    std::vector<std::string> profiles = {};
    /// Merge NAME.override.yaml beside the first file when it exists.
    bool override_file = true;
  };
  /// Reads `files` as one project: each merged onto the ones before it, then
  /// the first one's override; includes, extends and profiles as in a
  /// services file. The first file names the project. Throws ConfigError
  /// with every problem of every file, each at its own FILE:LINE:COL.
  static Project load(const std::vector<std::string>& files, const LoadOptions& options);

  /// An empty project, for services declared in code. Its name (the
  /// SUMMON_PROJECT of its services) is `name`, or else the name of the
  /// source file it is declared in, without extension; its folder (for
  /// relative paths) is the current folder at this call.
  explicit Project(std::string name = {},
                   std::source_location where = std::source_location::current());

  /// Adds a service. Only for a project declared in code: a loaded file is
  /// taken as it is, and this throws std::logic_error.
  Project& add(Service service);
  /// Declares a port, as `ports:` does: each Session picks a free loopback
  /// port for it, `${ports.NAME}` gives it to commands and probes,
  /// SUMMON_PORT_<NAME> to every environment, and Session::port() to you.
  Project& port(std::string name);
  /// Sets a variable for every service, probe and run environment.
  Project& env(std::string name, std::string value);
  /// The folder relative paths are resolved against: `${project.dir}` in
  /// strings, SUMMON_PROJECT_DIR in every environment.
  Project& folder(std::string path);

  /// Checks the project as a Session would, without starting anything;
  /// throws ConfigError. (load() has already checked a file.)
  void check() const;

  const std::string& name() const;
  /// The services' names, in the order they were written.
  std::vector<std::string> services() const;

  class Impl;  // the library's own

 private:
  explicit Project(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  Impl& own();  // copy on write
  std::shared_ptr<Impl> impl_;
  friend class Session;
};

}  // namespace summon
