// Secret values (SPEC 3.5): which values are secret, and how text is masked.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/secrets.hpp"
#include "load_helpers.hpp"

using namespace summon::config;
using summon::testing::compile;
using summon::testing::load_or_fail;
using summon::testing::TempDir;
using summon::testing::with_env;

TEST_CASE("a key looks secret when it holds PASSWORD, SECRET, TOKEN or KEY, in any case") {
  for (const char* name : {"DB_PASSWORD", "password", "Session_Secret", "github_token", "ApiKey",
                           "KEYRING", "x-api-key"})
    CHECK_MESSAGE(looks_secret(name), name);
  for (const char* name : {"DATABASE_URL", "PORT", "PASS", "LOG_LEVEL", "K_E_Y", ""})
    CHECK_MESSAGE(!looks_secret(name), name);
}

TEST_CASE("a header carries a secret when its name looks secret or it is an Authorization") {
  for (const char* name :
       {"Authorization", "authorization", "Proxy-Authorization", "X-Api-Key", "X-Auth-Token"})
    CHECK_MESSAGE(secret_header(name), name);
  for (const char* name : {"Accept", "X-Authorization-Mode", "Host"})
    CHECK_MESSAGE(!secret_header(name), name);
}

TEST_CASE("the password of a URL is masked, its user, host and path are kept") {
  CHECK(mask_url_passwords("postgres://app:hunter2@db:5432/app") ==
        "postgres://app:***@db:5432/app");
  CHECK(mask_url_passwords("--db=redis://:s3cr3t@cache/0") == "--db=redis://:***@cache/0");
  CHECK(mask_url_passwords("not 'amqp://guest:guest@mq'") == "not 'amqp://guest:***@mq'");
  CHECK(mask_url_passwords("a http://u:p1@h/x and https://v:p2@k?y b") ==
        "a http://u:***@h/x and https://v:***@k?y b");
}

TEST_CASE("a password holding an @ is masked whole") {
  CHECK(mask_url_passwords("mysql://root:p@ss@db/x") == "mysql://root:***@db/x");
}

TEST_CASE("a URL without a password is left as it is") {
  for (const char* text :
       {"http://127.0.0.1:8080/health", "ssh://git@example.com:22/repo", "http://u:@h/",
        "http://h/path?to=a:b@c", "://a:b@c", "plain text: a:b@c", "http://u:p"})
    CHECK(mask_url_passwords(text) == text);
}

TEST_CASE("url_passwords lists each URL's password in order") {
  CHECK(url_passwords("x://a:one@h y://b:two@k z://c@m") == std::vector<std::string>{"one", "two"});
}

TEST_CASE("every occurrence of a secret value is masked, and URL passwords too") {
  Secrets secrets({"hunter2"});
  CHECK(secrets.mask("--password=hunter2 then hunter2hunter2") == "--password=*** then ******");
  CHECK(secrets.mask("http://h/?token=hunter2&x=1") == "http://h/?token=***&x=1");
  CHECK(secrets.mask("nothing here, but http://u:pw@h/") == "nothing here, but http://u:***@h/");
  CHECK(Secrets().mask("http://u:pw@h/ hunter2") == "http://u:***@h/ hunter2");
}

TEST_CASE("where two secret values overlap, the longer one is masked whole") {
  Secrets secrets({"abc", "abcdef", "abc"});
  CHECK(secrets.values() == std::vector<std::string>{"abcdef", "abc"});
  CHECK(secrets.mask("abcdefg abcx") == "***g ***x");
}

TEST_CASE("values too short or too plain to hide are not masked in text") {
  Secrets secrets(
      {"", "1", "ab", "  x ", "on", "TRUE", "no", "null", "off", "yes", "false", "abc"});
  CHECK(secrets.values() == std::vector<std::string>{"abc"});
  CHECK(secrets.mask("1 ab on true no") == "1 ab on true no");
}

TEST_CASE("a project's secrets: secret-looking keys of every env, top-level and per service") {
  auto project = load_or_fail(R"(
env: {DB_PASSWORD: top-pass, LOG_LEVEL: debug}
services:
  api:
    command: ./api
    env: {Session_Secret: svc-secret, PORT: "8080"}
)");
  CHECK(Secrets::of(project).values() == std::vector<std::string>{"svc-secret", "top-pass"});
}

TEST_CASE("a project's secrets: secret-looking keys of its env files") {
  TempDir dir;
  dir.write("top.env", "STRIPE_KEY=sk-top\nMODE=dev\n");
  dir.write("api.env", "export API_TOKEN='tok-api'\n");
  auto path = dir.write("services.yaml", R"(
env_file: top.env
services:
  api: {command: ./api, env_file: api.env}
)");
  auto compiled = compile(summon::testing::read_text(path), with_env({}), path);
  REQUIRE(compiled.ok());
  CHECK(Secrets::of(*compiled.project).values() == std::vector<std::string>{"tok-api", "sk-top"});
}

TEST_CASE("a project's secrets: secret-looking variables of the environment that it read") {
  auto project = load_or_fail(
      R"(
services:
  api: {command: "./api --password=${DB_PASSWORD} --user=${DB_USER}"}
)",
      with_env(
          {{"DB_PASSWORD", "env-pass"}, {"DB_USER", "app-user"}, {"OTHER_TOKEN", "never-read"}}));
  CHECK(project.variables == EnvList{{"DB_PASSWORD", "env-pass"}, {"DB_USER", "app-user"}});
  CHECK(Secrets::of(project).values() == std::vector<std::string>{"env-pass"});
}

TEST_CASE("a project's secrets: credential headers and URL passwords written anywhere") {
  auto project = load_or_fail(R"(
env: {DATABASE_URL: "postgres://app:url-pass@db/app"}
services:
  api:
    command: [./api, "--cache=redis://:cache-pass@cache"]
    ready:
      all:
        - http:
            url: "http://u:probe-pass@127.0.0.1:8080/"
            headers: {Authorization: "Bearer tok-1", X-Trace: plain-value}
        - exec: [check, "amqp://guest:exec-pass@mq"]
)");
  CHECK(Secrets::of(project).values() == std::vector<std::string>{"Bearer tok-1", "cache-pass",
                                                                  "probe-pass", "exec-pass",
                                                                  "url-pass"});
}

TEST_CASE("an alive probe's credential headers and URL passwords are secrets too") {
  auto project = load_or_fail(R"(
services:
  api:
    command: ./api
    alive:
      http:
        url: "http://u:alive-pass@127.0.0.1:8080/health"
        headers: {X-Api-Key: alive-key-1}
  worker:
    command: ./worker
    alive: {exec: [check, "amqp://guest:alive-exec-pass@mq"]}
)");
  CHECK(Secrets::of(project).values() ==
        std::vector<std::string>{"alive-exec-pass", "alive-key-1", "alive-pass"});
}

TEST_CASE("a partly loaded project still gives its secrets, for its diagnostics") {
  auto compiled = compile(R"(
env: {API_TOKEN: tok-abc-123}
services:
  db: {command: ./db, stop: {timeout: tok-abc-123}}
)");
  REQUIRE(compiled.project);
  REQUIRE(compiled.diagnostics.size() == 1);
  auto message = compiled.diagnostics.items().front().message;
  CHECK(message.find("tok-abc-123") != std::string::npos);
  CHECK(Secrets::of(*compiled.project).mask(message).find("tok-abc-123") == std::string::npos);
}
