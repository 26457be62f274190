// YAML text → Node: typed scalars, positions, and the guards against hostile documents.
#include <doctest/doctest.h>

#include "config/node.hpp"

using namespace summon::config;

namespace {

struct Parsed {
  std::optional<Node> node;
  Diagnostics diagnostics;

  std::string first_error() const {
    REQUIRE_FALSE(diagnostics.empty());
    return diagnostics.sorted()[0].format();
  }
};

Parsed parse(const std::string& text) {
  Parsed out;
  out.node = parse_yaml(text, "f.yaml", out.diagnostics);
  return out;
}

}  // namespace

TEST_CASE("plain scalars follow the YAML 1.2 core schema; quoted ones are strings") {
  auto p = parse("a: 42\nb: 0x1F\nc: 1.5\nd: true\ne: ~\nf: hello\ng: \"42\"\nh: 'true'\ni: yes\n");
  REQUIRE(p.node);
  auto kind = [&](const char* key) { return p.node->find(key)->kind; };
  CHECK(kind("a") == Node::Kind::integer);
  CHECK(kind("b") == Node::Kind::integer);
  CHECK(kind("c") == Node::Kind::real);
  CHECK(kind("d") == Node::Kind::boolean);
  CHECK(kind("e") == Node::Kind::null);
  CHECK(kind("f") == Node::Kind::string);
  CHECK(kind("g") == Node::Kind::string);
  CHECK(kind("h") == Node::Kind::string);
  CHECK(kind("i") == Node::Kind::string);  // YAML 1.1's yes/no are plain words here
  CHECK(p.node->find("a")->text == "42");
}

TEST_CASE("every node and key has its 1-based line and column") {
  auto p = parse("services:\n  db:\n    command: [a, b]\n");
  REQUIRE(p.node);
  const Key* services = p.node->find_key("services");
  CHECK(services->mark.line == 1);
  CHECK(services->mark.column == 1);
  const Node* command = p.node->find("services")->find("db")->find("command");
  CHECK(command->mark.line == 3);
  CHECK(command->mark.column == 14);
  CHECK(command->items[1].mark.column == 18);
}

TEST_CASE("map members keep the file's order") {
  auto p = parse("z: 1\na: 2\nm: 3\n");
  REQUIRE(p.node);
  CHECK(p.node->members[0].first.text == "z");
  CHECK(p.node->members[1].first.text == "a");
  CHECK(p.node->members[2].first.text == "m");
}

TEST_CASE("a duplicate key is an error at the second one, naming the first") {
  auto p = parse("a: 1\nb: 2\na: 3\n");
  CHECK(p.first_error() == "f.yaml:3:1: error: duplicate key 'a' (first defined at line 1)");
}

TEST_CASE("merge keys copy what the map does not set itself") {
  auto p = parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n");
  REQUIRE(p.node);
  const Node* use = p.node->find("use");
  REQUIRE(use->members.size() == 2);
  CHECK(use->find("x")->text == "1");
  CHECK(use->find("y")->text == "3");
}

TEST_CASE("an alias that contains itself is an error, not an endless loop") {
  auto p = parse("&x [*x]\n");
  CHECK_FALSE(p.node);
  CHECK(p.first_error().find("cycle") != std::string::npos);
}

TEST_CASE("an alias bomb stops at the value limit") {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c)
    text += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" +
            char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) +
            ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" +
            char(c - 1) + "]\n";
  auto p = parse(text);
  CHECK_FALSE(p.node);
  CHECK(p.first_error().find("more than 200000 values") != std::string::npos);
}

TEST_CASE("deep nesting is refused, not a stack overflow") {
  auto p = parse(std::string(10000, '[') + std::string(10000, ']'));
  CHECK_FALSE(p.node);
  CHECK(p.first_error().find("nesting is deeper than") != std::string::npos);
}

TEST_CASE("a tab in indentation is named as such") {
  auto p = parse("a:\n\tb: 1\n");
  CHECK_FALSE(p.node);
  CHECK(p.first_error().find("tab") != std::string::npos);
}

TEST_CASE("an empty document is an error that says what is needed") {
  CHECK(parse("").first_error() ==
        "f.yaml: error: the file is empty; it needs at least a 'services:' map");
  CHECK(parse("# only a comment\n").first_error() ==
        "f.yaml: error: the file is empty; it needs at least a 'services:' map");
}

TEST_CASE("a key must be a plain string") {
  auto p = parse("? [a, b]\n: 1\n");
  CHECK(p.first_error().find("a key must be a plain string") != std::string::npos);
}

TEST_CASE("a tag that contradicts the value, or an unknown tag, is an error") {
  CHECK(parse("a: !!int abc\n").first_error().find("'abc' is not an integer") != std::string::npos);
  CHECK(parse("a: !custom x\n").first_error().find("unsupported tag") != std::string::npos);
  auto p = parse("a: !!str 42\n");
  REQUIRE(p.node);
  CHECK(p.node->find("a")->kind == Node::Kind::string);
}

TEST_CASE("broken YAML is reported with yaml-cpp's position") {
  auto p = parse("a: [1, 2\n");
  CHECK_FALSE(p.node);
  CHECK(p.first_error().starts_with("f.yaml:"));
  CHECK(p.first_error().find("invalid YAML") != std::string::npos);
}
