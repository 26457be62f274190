#include "config/dotenv.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using summon::config::Diagnostics;
using summon::config::EnvList;
using summon::config::load_dotenv;
using summon::config::parse_dotenv;

namespace {

EnvList parse_ok(const std::string& text) {
  Diagnostics diagnostics;
  auto entries = parse_dotenv(text, ".env", diagnostics);
  std::string problems;
  for (const auto& d : diagnostics.items()) problems += d.format() + "\n";
  INFO(problems);
  REQUIRE(diagnostics.empty());
  REQUIRE(entries.has_value());
  return *entries;
}

// The value of the only entry.
std::string value_of(const std::string& text) {
  auto entries = parse_ok(text);
  REQUIRE(entries.size() == 1);
  return entries[0].second;
}

std::vector<std::string> errors(const std::string& text) {
  Diagnostics diagnostics;
  CHECK_FALSE(parse_dotenv(text, ".env", diagnostics));
  std::vector<std::string> out;
  for (const auto& d : diagnostics.sorted()) out.push_back(d.format());
  return out;
}

using Lines = std::vector<std::string>;

// A file in a fresh temporary folder, removed with it.
struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("summon-dotenv-test-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST_CASE("each KEY=VALUE line is an entry, in file order") {
  CHECK(parse_ok("B=2\nA=1\n") == EnvList{{"B", "2"}, {"A", "1"}});
  CHECK(parse_ok("A=1") == EnvList{{"A", "1"}});
  CHECK(parse_ok("") == EnvList{});
}

TEST_CASE("a key given twice appears twice, so the later one wins") {
  CHECK(parse_ok("A=1\nB=2\nA=3\n") == EnvList{{"A", "1"}, {"B", "2"}, {"A", "3"}});
}

TEST_CASE("an 'export ' prefix is ignored") {
  CHECK(parse_ok("export A=1\nexport\tB=2\n  export   C=3\n") ==
        EnvList{{"A", "1"}, {"B", "2"}, {"C", "3"}});
}

TEST_CASE("'export' followed by '=' is an ordinary key") {
  CHECK(parse_ok("export=1\nexported=2\n") == EnvList{{"export", "1"}, {"exported", "2"}});
}

TEST_CASE("blank lines and '#' comment lines are skipped") {
  CHECK(parse_ok("# settings\n\nA=1\n   \n\t# indented comment\nB=2\n#C=3\n") ==
        EnvList{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("keys are letters, digits, '_', '.' and '-', starting with a letter or '_'") {
  CHECK(parse_ok("_a=1\nspring.profile=dev\nmy-key=2\nK9=3\n") ==
        EnvList{{"_a", "1"}, {"spring.profile", "dev"}, {"my-key", "2"}, {"K9", "3"}});
}

TEST_CASE("white space around the key and the '=' is allowed") {
  CHECK(parse_ok("  A = 1\nB\t=\t2\n") == EnvList{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("an unquoted value is the rest of the line, trimmed") {
  CHECK(value_of("A=  hello world  \n") == "hello world");
  CHECK(value_of("URL=postgres://h/db?a=b&c=d") == "postgres://h/db?a=b&c=d");
  CHECK(value_of("A=it's \"fine\"") == "it's \"fine\"");
}

TEST_CASE("a value may be empty") {
  CHECK(value_of("A=") == "");
  CHECK(value_of("A=   \n") == "");
  CHECK(value_of("A=\"\"") == "");
  CHECK(value_of("A=''") == "");
}

TEST_CASE("a '#' after white space starts a comment in an unquoted value") {
  CHECK(value_of("A=1 # the first") == "1");
  CHECK(value_of("A=1\t#tab before") == "1");
  CHECK(value_of("A= # only a comment") == "");
}

TEST_CASE("a '#' with no white space before it is part of an unquoted value") {
  CHECK(value_of("COLOR=#ff0000") == "#ff0000");
  CHECK(value_of("A=a#b") == "a#b");
}

TEST_CASE("unquoted backslashes are kept as written") {
  CHECK(value_of(R"(A=C:\dir\n)") == R"(C:\dir\n)");
}

TEST_CASE("single-quoted values are literal") {
  CHECK(value_of(R"(A='a \n "b" # c $HOME')") == R"(a \n "b" # c $HOME)");
  CHECK(value_of("A='  padded  '") == "  padded  ");
}

TEST_CASE("double-quoted values know \\n, \\\" and \\\\") {
  CHECK(value_of(R"(A="one\ntwo")") == "one\ntwo");
  CHECK(value_of(R"(A="say \"hi\"")") == "say \"hi\"");
  CHECK(value_of(R"(A="back\\slash")") == R"(back\slash)");
  CHECK(value_of(R"(A="\\n")") == R"(\n)");
}

TEST_CASE("other backslashes in double-quoted values are kept as written") {
  CHECK(value_of(R"(A="C:\dir\t\$x")") == R"(C:\dir\t\$x)");
}

TEST_CASE("double-quoted values keep white space and '#'") {
  CHECK(value_of("A=\"  x # y  \"") == "  x # y  ");
}

TEST_CASE("quoted values may span lines") {
  CHECK(parse_ok("KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nB=2\n") ==
        EnvList{{"KEY", "-----BEGIN-----\nabc\n-----END-----"}, {"B", "2"}});
  CHECK(parse_ok("A='x\n\ny'\n") == EnvList{{"A", "x\n\ny"}});
}

TEST_CASE("white space and a comment may follow a closing quote") {
  CHECK(parse_ok("A=\"x\"   \nB='y' # why\nC=\"z\"#tight\n") ==
        EnvList{{"A", "x"}, {"B", "y"}, {"C", "z"}});
}

TEST_CASE("there is no interpolation") {
  CHECK(parse_ok("A=${B}\nB=\"$HOME\"\nC='$$'\n") ==
        EnvList{{"A", "${B}"}, {"B", "$HOME"}, {"C", "$$"}});
}

TEST_CASE("CRLF line ends are read as LF, in quoted values too") {
  CHECK(parse_ok("A=1\r\nB=\"x\r\ny\"\r\n# c\r\n\r\nC='z'\r\n") ==
        EnvList{{"A", "1"}, {"B", "x\ny"}, {"C", "z"}});
}

TEST_CASE("a leading byte order mark is ignored") {
  CHECK(parse_ok("\xEF\xBB\xBF"
                 "A=1\n") == EnvList{{"A", "1"}});
}

TEST_CASE("a line without '=' is an error at its first character") {
  CHECK(errors("A=1\n  just words\n") ==
        Lines{".env:2:3: error: invalid line: expected KEY=VALUE"});
  CHECK(errors("export A\n") == Lines{".env:1:1: error: invalid line: expected KEY=VALUE"});
}

TEST_CASE("a line with nothing before '=' is an error") {
  CHECK(errors("=value\n") ==
        Lines{".env:1:1: error: invalid line: expected KEY=VALUE, found nothing before '='"});
}

TEST_CASE("a malformed key is an error at the key") {
  CHECK(errors("  FOO BAR=1\n") ==
        Lines{".env:1:3: error: invalid key 'FOO BAR': a key is letters, digits, '_', '.' and "
              "'-', and starts with a letter or '_'"});
  CHECK(errors("1X=1\n") ==
        Lines{".env:1:1: error: invalid key '1X': a key is letters, digits, '_', '.' and '-', "
              "and starts with a letter or '_'"});
  CHECK(errors("\"A\"=1\n").size() == 1);
}

TEST_CASE("an unterminated quote is an error at the end, naming the line that opened it") {
  CHECK(errors("A=1\nB=2\nC=\"abc\nD=4\n") ==
        Lines{".env:5:1: error: unterminated double-quoted value (opened at line 3)"});
  CHECK(errors("A='abc") ==
        Lines{".env:1:7: error: unterminated single-quoted value (opened at line 1)"});
}

TEST_CASE("a backslash does not close a double-quoted value") {
  CHECK(errors("A=\"abc\\\"\n") ==
        Lines{".env:2:1: error: unterminated double-quoted value (opened at line 1)"});
}

TEST_CASE("text after a closing quote is an error at that text") {
  CHECK(errors("A=\"x\" y\n") ==
        Lines{".env:1:7: error: unexpected text after the closing quote; put it inside the "
              "quotes, or start a comment with '#'"});
  CHECK(errors("A='x'y\n").size() == 1);
}

TEST_CASE("columns count characters, not bytes") {
  CHECK(errors("A=\"\xC3\xBC\"x\n") ==
        Lines{".env:1:6: error: unexpected text after the closing quote; put it inside the "
              "quotes, or start a comment with '#'"});
}

TEST_CASE("every bad line is reported") {
  CHECK(errors("nonsense\nA=1\n1X=2\nB=\"x\"y\nC=3\n=4\n") ==
        Lines{".env:1:1: error: invalid line: expected KEY=VALUE",
              ".env:3:1: error: invalid key '1X': a key is letters, digits, '_', '.' and '-', and "
              "starts with a letter or '_'",
              ".env:4:6: error: unexpected text after the closing quote; put it inside the "
              "quotes, or start a comment with '#'",
              ".env:6:1: error: invalid line: expected KEY=VALUE, found nothing before '='"});
}

TEST_CASE("reading stops after twenty errors") {
  std::string text;
  for (int i = 0; i < 1'000'000; ++i) text += "bad\n";
  auto found = errors(text);
  REQUIRE(found.size() == 21);
  CHECK(found[19] == ".env:20:1: error: invalid line: expected KEY=VALUE");
  CHECK(found[20] == ".env:20:1: error: too many errors; stopped reading the file here");
}

TEST_CASE("a bad key's quoted value is still read to its end, so it is one error") {
  CHECK(errors("BAD KEY=\"line one\nline two\"\nA=1\n").size() == 1);
}

TEST_CASE("load_dotenv reads and parses a file") {
  TempDir dir;
  auto path = dir.write(".env", "A=1\nB='two'\n");
  Diagnostics diagnostics;
  CHECK(load_dotenv(path, diagnostics) == EnvList{{"A", "1"}, {"B", "two"}});
  CHECK(diagnostics.empty());
}

TEST_CASE("load_dotenv names the file in its errors") {
  TempDir dir;
  auto path = dir.write("bad.env", "A=1\noops\n");
  Diagnostics diagnostics;
  CHECK_FALSE(load_dotenv(path, diagnostics));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics.items()[0].format() == path + ":2:1: error: invalid line: expected KEY=VALUE");
}

TEST_CASE("load_dotenv reports a missing file") {
  TempDir dir;
  Diagnostics diagnostics;
  auto path = (dir.path / "missing.env").string();
  CHECK_FALSE(load_dotenv(path, diagnostics));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics.items()[0].format() ==
        path + ": error: cannot read the file: No such file or directory");
}

TEST_CASE("load_dotenv reports a folder") {
  TempDir dir;
  Diagnostics diagnostics;
  CHECK_FALSE(load_dotenv(dir.path.string(), diagnostics));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics.items()[0].format() ==
        dir.path.string() + ": error: is a folder, not a dotenv file");
}

TEST_CASE("load_dotenv refuses binary files") {
  TempDir dir;
  auto path = dir.write("bin.env", std::string("A=1\nB=\0\n", 8));
  Diagnostics diagnostics;
  CHECK_FALSE(load_dotenv(path, diagnostics));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics.items()[0].format() ==
        path + ":2:3: error: the file contains a NUL byte; is it a binary file?");
}
