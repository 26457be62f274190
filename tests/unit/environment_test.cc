// Environments: later entries win, summon's own variables last.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "config/environment.hpp"

using namespace summon::config;

TEST_CASE("merging keeps each name once, the last value winning, sorted by name") {
  EnvList a{{"B", "1"}, {"A", "1"}};
  EnvList b{{"B", "2"}, {"C", "2"}};
  CHECK(merge_environment({&a, &b}) == EnvList{{"A", "1"}, {"B", "2"}, {"C", "2"}});
}

TEST_CASE("port variables are upper case with - and . as _") {
  CHECK(port_variable("pg") == "SUMMON_PORT_PG");
  CHECK(port_variable("web-ui") == "SUMMON_PORT_WEB_UI");
  CHECK(port_variable("api.v2") == "SUMMON_PORT_API_V2");
}

TEST_CASE("summon's own environment is read as it is") {
  ::setenv("SUMMON_ENVIRONMENT_TEST", "a=b", 1);
  auto env = process_environment();
  CHECK(std::find(env.begin(), env.end(),
                  std::pair<std::string, std::string>{"SUMMON_ENVIRONMENT_TEST", "a=b"}) !=
        env.end());
}

TEST_CASE("a service's own variables cannot be overridden by the file") {
  ProjectSpec project;
  project.name = "shop";
  project.dir = "/srv/shop";
  project.env = {{"SUMMON_PROJECT", "mine"}, {"SUMMON_PROJECT_DIR", "/elsewhere"}};
  ServiceSpec service;
  service.name = "api";
  auto env = service_environment(project, service, {}, {});
  CHECK(env == EnvList{{"SUMMON_PROJECT", "shop"},
                       {"SUMMON_PROJECT_DIR", "/srv/shop"},
                       {"SUMMON_SERVICE", "api"}});
}

TEST_CASE("a run command gets the project's name and folder, and its ports") {
  ProjectSpec project;
  project.name = "shop";
  project.dir = "/srv/shop";
  project.env = {{"SUMMON_PROJECT_DIR", "/elsewhere"}};
  auto env = run_environment(project, {{"PATH", "/bin"}}, {{"pg", 5432}});
  CHECK(env == EnvList{{"PATH", "/bin"},
                       {"SUMMON_PORT_PG", "5432"},
                       {"SUMMON_PROJECT", "shop"},
                       {"SUMMON_PROJECT_DIR", "/srv/shop"}});
}
