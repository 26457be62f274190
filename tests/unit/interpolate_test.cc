#include "config/interpolate.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

using summon::config::Diagnostics;
using summon::config::interpolate;
using summon::config::InterpolationContext;

namespace {

// The environment every test sees, unless it says otherwise.
struct Setup {
  std::map<std::string, std::string> env{{"HOST", "db.local"}, {"EMPTY", ""}, {"PORT", "5432"}};
  std::vector<std::string> declared_ports{"web", "pg", "metrics-http"};
  const std::map<std::string, int>* ports = nullptr;
  std::string project_dir = "/srv/shop";
  // Inside a service whose cwd is /srv/shop/api, unless a test says otherwise.
  bool in_service = true;
  std::optional<std::string> service_cwd = "/srv/shop/api";
  std::vector<std::string> looked_up;
  Diagnostics diagnostics;

  std::optional<std::string> run(std::string_view text) {
    InterpolationContext context;
    context.lookup = [this](const std::string& name) -> std::optional<std::string> {
      looked_up.push_back(name);
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    context.declared_ports = declared_ports;
    context.ports = ports;
    context.project_dir = project_dir;
    context.in_service = in_service;
    context.service_cwd = service_cwd;
    return interpolate(text, context, "summon.yaml", {4, 12}, diagnostics);
  }

  // The expansion, which must succeed.
  std::string expand(std::string_view text) {
    auto result = run(text);
    std::string problems;
    for (const auto& d : diagnostics.items()) problems += d.format() + "\n";
    INFO(problems);
    REQUIRE(diagnostics.empty());
    REQUIRE(result.has_value());
    return *result;
  }

  // The one diagnostic of an expansion, which must fail.
  std::string error(std::string_view text) {
    auto result = run(text);
    CHECK_FALSE(result.has_value());
    REQUIRE(diagnostics.size() == 1);
    return diagnostics.items()[0].format();
  }
};

std::string expand(std::string_view text) {
  return Setup().expand(text);
}
std::string error(std::string_view text) {
  return Setup().error(text);
}

}  // namespace

TEST_CASE("text without references is unchanged") {
  CHECK(expand("") == "");
  CHECK(expand("postgres -D ./data") == "postgres -D ./data");
  CHECK(expand("{braces} alone}") == "{braces} alone}");
}

TEST_CASE("${NAME} is replaced by the variable's value") {
  CHECK(expand("${HOST}") == "db.local");
  CHECK(expand("postgres://${HOST}:${PORT}/shop") == "postgres://db.local:5432/shop");
}

TEST_CASE("a variable that is set but empty expands to nothing") {
  CHECK(expand("[${EMPTY}]") == "[]");
}

TEST_CASE("names are letters, digits and underscores, not starting with a digit") {
  Setup s;
  s.env = {{"_a1", "x"}, {"lower_Case_9", "y"}};
  CHECK(s.expand("${_a1}${lower_Case_9}") == "xy");
}

TEST_CASE("an unset variable is an error that names it and says how to fix it") {
  CHECK(error("host=${DB_HOST}") ==
        "summon.yaml:4:12: error: variable 'DB_HOST' is not set; set it in the environment or "
        "in .env, or give a default: ${DB_HOST:-value}");
}

TEST_CASE("every unset variable is reported, each once") {
  Setup s;
  CHECK_FALSE(s.run("${A} ${B} ${A}"));
  REQUIRE(s.diagnostics.size() == 2);
  CHECK(s.diagnostics.items()[0].message.starts_with("variable 'A' is not set"));
  CHECK(s.diagnostics.items()[1].message.starts_with("variable 'B' is not set"));
}

TEST_CASE("${NAME:-default} gives the default when the variable is unset or empty") {
  CHECK(expand("${UNSET:-fallback}") == "fallback");
  CHECK(expand("${EMPTY:-fallback}") == "fallback");
  CHECK(expand("${HOST:-fallback}") == "db.local");
}

TEST_CASE("${NAME-default} gives the default only when the variable is unset") {
  CHECK(expand("${UNSET-fallback}") == "fallback");
  CHECK(expand("[${EMPTY-fallback}]") == "[]");
  CHECK(expand("${HOST-fallback}") == "db.local");
}

TEST_CASE("a default may be empty") {
  CHECK(expand("[${UNSET:-}]") == "[]");
  CHECK(expand("[${UNSET-}]") == "[]");
}

TEST_CASE("a default may hold any text but '}'") {
  CHECK(expand("${UNSET:-a b:c-d?e=f}") == "a b:c-d?e=f");
  CHECK(expand("${UNSET:-:-}") == ":-");
}

TEST_CASE("defaults are themselves interpolated") {
  CHECK(expand("${UNSET:-${HOST}}") == "db.local");
  CHECK(expand("${UNSET:-${ALSO_UNSET:-${PORT}}}") == "5432");
  CHECK(expand("${UNSET:-http://${HOST}:${PORT}/}") == "http://db.local:5432/");
  CHECK(expand("${UNSET:-$$}") == "$");
  CHECK(expand("${UNSET:-a$}") == "a$");
}

TEST_CASE("the default of a set variable is checked but not looked up") {
  Setup s;
  CHECK(s.expand("${HOST:-${UNSET}}") == "db.local");
  CHECK(s.looked_up == std::vector<std::string>{"HOST"});
}

TEST_CASE("a lone '{' in a default is text, and the first '}' ends the reference") {
  // As in the shell: only `${` nests.
  CHECK(expand("${UNSET:-{x}}") == "{x}");
  CHECK(expand("${HOST:-{x}}") == "db.local}");
}

TEST_CASE("${NAME:?message} is an error when the variable is unset or empty") {
  CHECK(error("${DB_URL:?set it to the test database}") ==
        "summon.yaml:4:12: error: variable 'DB_URL' is not set: set it to the test database");
  CHECK(error("${EMPTY:?must not be empty}") ==
        "summon.yaml:4:12: error: variable 'EMPTY' is empty: must not be empty");
  CHECK(expand("${HOST:?needed}") == "db.local");
}

TEST_CASE("${NAME?message} is an error only when the variable is unset") {
  CHECK(error("${DB_URL?required}") ==
        "summon.yaml:4:12: error: variable 'DB_URL' is not set: required");
  CHECK(expand("[${EMPTY?required}]") == "[]");
  CHECK(expand("${HOST?required}") == "db.local");
}

TEST_CASE("an empty error message leaves only the variable's name") {
  CHECK(error("${DB_URL:?}") == "summon.yaml:4:12: error: variable 'DB_URL' is not set");
  CHECK(error("${EMPTY:?}") == "summon.yaml:4:12: error: variable 'EMPTY' is empty");
}

TEST_CASE("error messages are interpolated too") {
  CHECK(error("${DB_URL:?no database on ${HOST}}") ==
        "summon.yaml:4:12: error: variable 'DB_URL' is not set: no database on db.local");
}

TEST_CASE("$$ is a literal '$'") {
  CHECK(expand("$$") == "$");
  CHECK(expand("cost: 5$$") == "cost: 5$");
  CHECK(expand("$${HOST}") == "${HOST}");
  CHECK(expand("$$$") == "$$");
  CHECK(expand("$$$${HOST}") == "$${HOST}");
}

TEST_CASE("a '$' not followed by '{' is literal") {
  CHECK(expand("$HOME") == "$HOME");
  CHECK(expand("a$") == "a$");
  CHECK(expand("$") == "$");
  CHECK(expand("awk '{print $1}'") == "awk '{print $1}'");
  CHECK(expand("$ {HOST}") == "$ {HOST}");
}

TEST_CASE("${ports.NAME} is the port picked for this run") {
  std::map<std::string, int> picked{{"web", 41234}, {"pg", 41235}, {"metrics-http", 41236}};
  Setup s;
  s.ports = &picked;
  CHECK(s.expand("--port ${ports.web} --db ${ports.pg}") == "--port 41234 --db 41235");
  CHECK(s.expand("${ports.metrics-http}") == "41236");
}

TEST_CASE("${ports.NAME} is kept as written before ports are picked") {
  CHECK(expand("http://127.0.0.1:${ports.web}/health") == "http://127.0.0.1:${ports.web}/health");
}

TEST_CASE("${ports.NAME} must name a declared port") {
  CHECK(error("${ports.wbe}") ==
        "summon.yaml:4:12: error: '${ports.wbe}' refers to port 'wbe', which is not declared "
        "under 'ports:'; did you mean 'web'?");
  CHECK(error("${ports.redis}") ==
        "summon.yaml:4:12: error: '${ports.redis}' refers to port 'redis', which is not declared "
        "under 'ports:'");
}

TEST_CASE("an undeclared port is reported even in a default that is not used") {
  CHECK(error("${HOST:-${ports.api}}") ==
        "summon.yaml:4:12: error: '${ports.api}' refers to port 'api', which is not declared "
        "under 'ports:'");
}

TEST_CASE("a port reference takes no default") {
  CHECK(error("${ports.web:-8080}") ==
        "summon.yaml:4:12: error: invalid port reference '${ports.web:-8080}': write "
        "${ports.NAME}, with no default");
  CHECK(error("${ports.}") ==
        "summon.yaml:4:12: error: invalid port reference '${ports.}': write ${ports.NAME}, with "
        "no default");
}

TEST_CASE("a variable named 'ports' is an ordinary variable") {
  Setup s;
  s.env["ports"] = "8080";
  CHECK(s.expand("${ports}") == "8080");
}

TEST_CASE("${project.dir} is the services file's folder") {
  CHECK(expand("${project.dir}/data") == "/srv/shop/data");
  Setup top;
  top.in_service = false;
  top.service_cwd.reset();
  CHECK(top.expand("--root=${project.dir}") == "--root=/srv/shop");
}

TEST_CASE("${service.cwd} is the service's working folder") {
  CHECK(expand("-D ${service.cwd}/data") == "-D /srv/shop/api/data");
}

TEST_CASE("${project.dir} and ${service.cwd} are not looked up, and $$ still escapes them") {
  Setup s;
  s.env["project"] = "no";
  CHECK(s.expand("${project.dir} ${service.cwd} $${project.dir}") ==
        "/srv/shop /srv/shop/api ${project.dir}");
  CHECK(s.looked_up.empty());
}

TEST_CASE("${service.cwd} outside a service is an error that says so") {
  Setup s;
  s.in_service = false;
  s.service_cwd.reset();
  CHECK(s.error("${service.cwd}/x") ==
        "summon.yaml:4:12: error: '${service.cwd}' is valid only inside a service; at the top "
        "level, use ${project.dir}");
}

TEST_CASE("${service.cwd} outside a service is reported even in a default that is not used") {
  Setup s;
  s.in_service = false;
  s.service_cwd.reset();
  CHECK_FALSE(s.run("${HOST:-${service.cwd}}"));
  CHECK(s.diagnostics.size() == 1);
}

TEST_CASE("${service.cwd} cannot be used in the service's own cwd") {
  Setup s;
  s.service_cwd.reset();
  CHECK(s.error("${service.cwd}/x") ==
        "summon.yaml:4:12: error: '${service.cwd}' cannot be used in the service's own 'cwd'; "
        "use ${project.dir}");
}

TEST_CASE("other project. and service. names are errors, and neither takes a default") {
  CHECK(error("${project.dri}") ==
        "summon.yaml:4:12: error: unknown reference '${project.dri}': write ${project.dir} or "
        "${service.cwd}; did you mean '${project.dir}'?");
  CHECK(error("${project.dir:-/tmp}") ==
        "summon.yaml:4:12: error: invalid reference '${project.dir:-/tmp}': write ${project.dir} "
        "or ${service.cwd}, with no default");
}

TEST_CASE("variables named 'project' and 'service' are ordinary variables") {
  Setup s;
  s.env["project"] = "shop";
  CHECK(s.expand("${project} ${service:-none}") == "shop none");
}

TEST_CASE("an empty name is an error") {
  CHECK(error("a${}b") ==
        "summon.yaml:4:12: error: empty variable name in '${}'; write ${NAME}, or $$ for a "
        "literal '$'");
}

TEST_CASE("a name starting with a digit or made of other characters is an error") {
  CHECK(error("${1X}") ==
        "summon.yaml:4:12: error: invalid variable name in '${1X}': a name is letters, digits "
        "and '_', and does not start with a digit");
  CHECK(error("${-x}") ==
        "summon.yaml:4:12: error: invalid variable name in '${-x}': a name is letters, digits "
        "and '_', and does not start with a digit");
}

TEST_CASE("anything but an operator or '}' after the name is an error") {
  CHECK(error("${A B}") ==
        "summon.yaml:4:12: error: invalid variable reference '${A B}': expected '}', ':-', '-', "
        "':?' or '?' after 'A'");
  CHECK(error("${A:x}") ==
        "summon.yaml:4:12: error: invalid variable reference '${A:x}': expected '}', ':-', '-', "
        "':?' or '?' after 'A'");
}

TEST_CASE("a malformed reference is reported even in a default that is not used") {
  CHECK(error("${HOST:-${1X}}")
            .ends_with("invalid variable name in '${1X}': a name is letters, "
                       "digits and '_', and does not start with a digit"));
}

TEST_CASE("an unterminated reference is an error") {
  CHECK(error("${HOST") ==
        "summon.yaml:4:12: error: unterminated variable reference '${HOST': add the closing "
        "'}', or write $$ for a literal '$'");
  CHECK(error("price: ${") ==
        "summon.yaml:4:12: error: unterminated variable reference '${': add the closing '}', or "
        "write $$ for a literal '$'");
  CHECK(error("${UNSET:-abc").find("unterminated variable reference '${UNSET:-abc'") !=
        std::string::npos);
  CHECK(error("${ports.web").find("unterminated variable reference '${ports.web'") !=
        std::string::npos);
}

TEST_CASE("a reference whose nested default closes but which does not close is unterminated") {
  CHECK(error("${UNSET:-${HOST}").find("unterminated variable reference '${UNSET:-${HOST}'") !=
        std::string::npos);
}

TEST_CASE("a long reference is shortened in messages") {
  std::string text = "${" + std::string(100, 'A');
  CHECK(error(text) == "summon.yaml:4:12: error: unterminated variable reference '${" +
                           std::string(38, 'A') +
                           "...': add the closing '}', or write $$ for a literal '$'");
}

TEST_CASE("defaults may nest 32 deep") {
  std::string text;
  for (int i = 0; i < 32; ++i) text += "${UNSET:-";
  text += "deep" + std::string(32, '}');
  CHECK(expand(text) == "deep");
}

TEST_CASE("nesting deeper than 32 is an error, however deep") {
  for (int depth : {33, 10'000}) {
    std::string text;
    for (int i = 0; i < depth; ++i) text += "${A:-";
    text += "x" + std::string(depth, '}');
    CHECK(error(text) ==
          "summon.yaml:4:12: error: variable references nested more than 32 deep; simplify the "
          "value");
  }
}

TEST_CASE("long values expand in one pass") {
  std::string text;
  std::string expected;
  for (int i = 0; i < 200'000; ++i) text += "${HOST}/", expected += "db.local/";
  CHECK(expand(text) == expected);
}

TEST_CASE("a value with many problems reports the first ten") {
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "${V" + std::to_string(i) + "}";
  Setup s;
  CHECK_FALSE(s.run(text));
  CHECK(s.diagnostics.size() == 10);
}

TEST_CASE("without a lookup function every variable is unset") {
  Diagnostics diagnostics;
  InterpolationContext context;
  CHECK(interpolate("${A:-x}", context, "f.yaml", {1, 1}, diagnostics) == "x");
  CHECK_FALSE(interpolate("${A}", context, "f.yaml", {1, 1}, diagnostics));
  CHECK(diagnostics.size() == 1);
}
