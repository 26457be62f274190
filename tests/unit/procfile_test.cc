// Procfiles (SPEC 1.6): NAME: COMMAND lines read into the same ProjectSpec as
// a services file, with foreman's PORT rule and the .env beside the file.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "config/environment.hpp"
#include "config/interpolate.hpp"
#include "config/procfile.hpp"
#include "load_helpers.hpp"

using namespace summon;
using namespace summon::testing;

namespace {

// Compiles `text` as the Procfile `name` in `dir` (by default the current folder).
graph::CompiledProject compile_procfile(const std::string& text,
                                        const config::LoadOptions& options = with_env({}),
                                        const std::string& path = "Procfile") {
  return graph::compile_project_text(text, path, options);
}

config::ProjectSpec procfile_or_fail(const std::string& text,
                                     const config::LoadOptions& options = with_env({}),
                                     const std::string& path = "Procfile") {
  auto compiled = compile_procfile(text, options, path);
  for (const auto& d : compiled.diagnostics.sorted()) FAIL_CHECK(d.format());
  REQUIRE(compiled.project);
  return *compiled.project;
}

std::vector<std::string> procfile_errors(const std::string& text,
                                         const config::LoadOptions& options = with_env({})) {
  std::vector<std::string> out;
  for (const auto& d : compile_procfile(text, options).diagnostics.sorted())
    out.push_back(d.format());
  return out;
}

std::string env_value(const config::EnvList& env, const std::string& name) {
  for (auto it = env.rbegin(); it != env.rend(); ++it)
    if (it->first == name) return it->second;
  return "(unset)";
}

}  // namespace

TEST_CASE("a file named Procfile or Procfile.* is a Procfile") {
  CHECK(config::is_procfile("Procfile"));
  CHECK(config::is_procfile("app/Procfile.dev"));
  CHECK(config::is_procfile("/srv/app/Procfile.test"));
  CHECK_FALSE(config::is_procfile("services.yaml"));
  CHECK_FALSE(config::is_procfile("Procfile.yaml"));
  CHECK_FALSE(config::is_procfile("Procfile.yml"));
  CHECK_FALSE(config::is_procfile("MyProcfile"));
  CHECK_FALSE(config::is_procfile("procfile"));
  CHECK_FALSE(config::is_procfile("Procfile/services.yaml"));
}

TEST_CASE("each line is a service with a shell command, no probe and no dependencies") {
  auto project = procfile_or_fail(R"(web: bundle exec puma -p $PORT
worker: bundle exec sidekiq -C config/sidekiq.yml
)");
  REQUIRE(project.services.size() == 2);
  const auto& web = project.services[0];
  CHECK(web.name == "web");
  CHECK(web.command.shell);
  CHECK(web.command.argv == std::vector<std::string>{"/bin/sh", "-c", "bundle exec puma -p $PORT"});
  CHECK(web.cwd == project.dir);
  CHECK_FALSE(web.ready);
  CHECK(web.depends_on.empty());
  CHECK(web.mark.line == 1);
  CHECK(web.mark.column == 1);
  CHECK(project.services[1].name == "worker");
  CHECK(project.services[1].mark.line == 2);
}

TEST_CASE("the project is named after the Procfile's folder, as for a services file") {
  TempDir dir;
  auto project = procfile_or_fail("web: x\n", with_env({}), dir.file("Procfile"));
  CHECK(project.name == dir.path().filename().string());
  CHECK(project.dir == dir.path().string());
  CHECK(project.services[0].cwd == dir.path().string());
}

TEST_CASE("PORT is 5000 for the first process, plus 100 for each following one") {
  auto project = procfile_or_fail("a: x\n# a comment\n\nb: x\nc: x\n");
  REQUIRE(project.services.size() == 3);
  CHECK(env_value(project.services[0].env, "PORT") == "5000");
  CHECK(env_value(project.services[1].env, "PORT") == "5100");
  CHECK(env_value(project.services[2].env, "PORT") == "5200");
}

TEST_CASE("PORT in the environment is the base, as foreman's is") {
  auto project = procfile_or_fail("a: x\nb: x\n", with_env({{"PORT", "7000"}}));
  CHECK(env_value(project.services[0].env, "PORT") == "7000");
  CHECK(env_value(project.services[1].env, "PORT") == "7100");
}

TEST_CASE("PORT in the .env beside the Procfile wins over the environment's as the base") {
  TempDir dir;
  dir.write(".env", "PORT=8000\n");
  auto project =
      procfile_or_fail("a: x\nb: x\n", with_env({{"PORT", "7000"}}), dir.file("Procfile"));
  CHECK(env_value(project.services[0].env, "PORT") == "8000");
  CHECK(env_value(project.services[1].env, "PORT") == "8100");
  // A service's own PORT is later in its environment than the .env's.
  auto env = config::service_environment(project, project.services[1], {{"PORT", "7000"}}, {});
  CHECK(env_value(env, "PORT") == "8100");
}

TEST_CASE("a PORT that is not a port number is an error") {
  CHECK(procfile_errors("a: x\n", with_env({{"PORT", "web"}})) ==
        std::vector<std::string>{
            "Procfile: error: PORT is 'web'; as foreman does, summon gives it to the first "
            "process and adds 100 for each next one, so it must be a port number from 1 to 65535"});
  CHECK(procfile_errors("a: x\n", with_env({{"PORT", "70000"}})).size() == 1);
}

TEST_CASE("a process whose PORT would pass 65535 is an error") {
  CHECK(procfile_errors("a: x\nb: x\n", with_env({{"PORT", "65500"}})) ==
        std::vector<std::string>{"Procfile:2:1: error: process 'b' would get PORT 65600, past "
                                 "65535: PORT is 65500 for the first process, plus 100 for each "
                                 "next one"});
}

TEST_CASE("every entry of the .env beside the Procfile is in every service's environment") {
  TempDir dir;
  dir.write(".env", "RAILS_ENV=development\nexport GREETING='hi ${x}'\n");
  auto project = procfile_or_fail("web: x\nworker: y\n", with_env({}), dir.file("Procfile"));
  for (const auto& service : project.services) {
    CAPTURE(service.name);
    auto env = config::service_environment(project, service, {}, {});
    CHECK(env_value(env, "RAILS_ENV") == "development");
    CHECK(env_value(env, "GREETING") == "hi ${x}");
  }
}

TEST_CASE("a malformed .env is reported at its own line") {
  TempDir dir;
  dir.write(".env", "A=1\nnot a line\n");
  auto compiled = compile_procfile("web: x\n", with_env({}), dir.file("Procfile"));
  REQUIRE(compiled.diagnostics.size() == 1);
  auto error = compiled.diagnostics.sorted()[0].format();
  CHECK(error.starts_with(dir.file(".env") + ":2:"));
}

TEST_CASE("nothing in a command is interpolated: $ is the shell's") {
  auto project = procfile_or_fail("web: echo ${UNSET} $$ $HOME ${PORT:-1}\n");
  CHECK(project.services[0].command.argv[2] == "echo ${UNSET} $$ $HOME ${PORT:-1}");
  CHECK(project.variables.empty());
}

TEST_CASE("white space around names and commands, CRLF and a byte order mark are dropped") {
  auto project =
      procfile_or_fail("\xEF\xBB\xBFweb:python3 app.py\r\n  worker :\t rake jobs:work  \r\n");
  REQUIRE(project.services.size() == 2);
  CHECK(project.services[0].name == "web");
  CHECK(project.services[0].command.argv[2] == "python3 app.py");
  CHECK(project.services[1].name == "worker");
  CHECK(project.services[1].command.argv[2] == "rake jobs:work");
  CHECK(project.services[1].mark.column == 3);
}

TEST_CASE("a command keeps every colon after the first") {
  auto project = procfile_or_fail("web: gunicorn app:wsgi -b 127.0.0.1:$PORT\n");
  CHECK(project.services[0].command.argv[2] == "gunicorn app:wsgi -b 127.0.0.1:$PORT");
}

TEST_CASE("every malformed line is reported at once, at its line and column") {
  CHECK(procfile_errors("web python app.py\n"
                        ": x\n"
                        "web server: x\n"
                        "_web: x\n"
                        "x-web: x\n"
                        "web.1: x\n"
                        "idle:\n"
                        "  # indented comment\n"
                        "ok: x\n") ==
        std::vector<std::string>{
            "Procfile:1:1: error: expected NAME: COMMAND (a process name, a colon, then its "
            "command)",
            "Procfile:2:1: error: there is no process name before ':'",
            "Procfile:3:4: error: a space cannot be part of a process name: use letters, digits, "
            "'_' and '-'",
            "Procfile:4:1: error: process name '_web' must start with a letter or digit, as a "
            "service name does",
            "Procfile:5:1: error: process name 'x-web' starts with 'x-', which a services file "
            "ignores; rename it",
            "Procfile:6:4: error: '.' cannot be part of a process name: use letters, digits, '_' "
            "and '-'",
            "Procfile:7:6: error: process 'idle' has no command",
        });
}

TEST_CASE("a name longer than a service name may be is an error") {
  CHECK(procfile_errors(std::string(64, 'a') + ": x\n") ==
        std::vector<std::string>{"Procfile:1:1: error: the process name is 64 characters long; a "
                                 "service name has at most 63"});
  procfile_or_fail(std::string(63, 'a') + ": x\n");
}

TEST_CASE("a name given twice is an error naming the first line") {
  CHECK(procfile_errors("web: a\nworker: b\nweb: c\n") ==
        std::vector<std::string>{
            "Procfile:3:1: error: process 'web' is defined twice (first at line 1)"});
}

TEST_CASE("a Procfile with no process line is an error") {
  CHECK(procfile_errors("# only a comment\n\n") ==
        std::vector<std::string>{
            "Procfile: error: the Procfile has no process lines; write NAME: COMMAND lines"});
  CHECK(procfile_errors("").size() == 1);
}

TEST_CASE("a NUL byte or invalid UTF-8 is refused as in a services file") {
  CHECK(procfile_errors(std::string("web: a\0b\n", 9)) ==
        std::vector<std::string>{
            "Procfile:1:7: error: the file contains a NUL byte; is it a binary file?"});
  CHECK(procfile_errors("web: \xff\n") ==
        std::vector<std::string>{
            "Procfile:1:6: error: invalid UTF-8 byte 0xFF; save the file as UTF-8"});
}

TEST_CASE("a Procfile.dev is read as a Procfile, a Procfile.yaml as YAML") {
  CHECK(procfile_or_fail("web: x\n", with_env({}), "Procfile.dev").services.size() == 1);
  CHECK_FALSE(compile_procfile("web: x\n", with_env({}), "Procfile.yaml").diagnostics.empty());
}

TEST_CASE("escape_interpolation gives back the text when interpolated") {
  CHECK(config::escape_interpolation("$PORT ${HOME} $$ a$") == "$PORT $${HOME} $$$ a$");
  for (std::string text : {"$PORT ${HOME} $$ a$", "$${A}", "$$$", "{x}$"}) {
    CAPTURE(text);
    config::InterpolationContext context;
    context.lookup = [](const std::string&) { return std::optional<std::string>("WRONG"); };
    config::Diagnostics diagnostics;
    auto back =
        config::interpolate(config::escape_interpolation(text), context, "f", {}, diagnostics);
    CHECK(back == text);
  }
}
