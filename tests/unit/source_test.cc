// Reading a config file's bytes: what never reaches the YAML parser.
#include <doctest/doctest.h>

#include "config/source.hpp"
#include "load_helpers.hpp"

using namespace summon::config;
using summon::testing::TempDir;

namespace {

std::string only_error(const Diagnostics& diagnostics) {
  REQUIRE(diagnostics.size() == 1);
  return diagnostics.items()[0].format();
}

}  // namespace

TEST_CASE("a readable UTF-8 file is returned as it is") {
  TempDir dir;
  auto path = dir.write("services.yaml", "services: {a: {command: \"caf\xc3\xa9\"}}\n");
  Diagnostics diagnostics;
  auto text = read_source(path, diagnostics);
  REQUIRE(text);
  CHECK(*text == "services: {a: {command: \"caf\xc3\xa9\"}}\n");
  CHECK(diagnostics.empty());
}

TEST_CASE("a missing file is named with the system's reason") {
  Diagnostics diagnostics;
  CHECK_FALSE(read_source("/nonexistent/services.yaml", diagnostics));
  CHECK(only_error(diagnostics) ==
        "/nonexistent/services.yaml: error: cannot read the file: No such file or directory");
}

TEST_CASE("a folder is refused with a hint") {
  TempDir dir;
  Diagnostics diagnostics;
  CHECK_FALSE(read_source(dir.path().string(), diagnostics));
  CHECK(only_error(diagnostics).find("is a folder") != std::string::npos);
}

TEST_CASE("a file over the size limit is refused before it is read") {
  TempDir dir;
  auto path = dir.write("big.yaml", std::string(max_source_bytes + 1, '#'));
  Diagnostics diagnostics;
  CHECK_FALSE(read_source(path, diagnostics));
  CHECK(only_error(diagnostics).find("MiB") != std::string::npos);
}

TEST_CASE("a NUL byte is reported at its line and column") {
  Diagnostics diagnostics;
  CHECK_FALSE(check_text(std::string("a: 1\nb: x\0y\n", 12), "f.yaml", diagnostics));
  CHECK(only_error(diagnostics) ==
        "f.yaml:2:5: error: the file contains a NUL byte; is it a binary file?");
}

TEST_CASE("invalid UTF-8 is reported at its line and column with the byte") {
  Diagnostics diagnostics;
  CHECK_FALSE(check_text("a: 1\nname: \xff\n", "f.yaml", diagnostics));
  CHECK(only_error(diagnostics) ==
        "f.yaml:2:7: error: invalid UTF-8 byte 0xFF; save the file as UTF-8");
}

TEST_CASE("overlong encodings and UTF-16 surrogates are invalid UTF-8") {
  Diagnostics overlong, surrogate, truncated;
  CHECK_FALSE(check_text("a: \xc0\xaf\n", "f.yaml", overlong));
  CHECK_FALSE(check_text("a: \xed\xa0\x80\n", "f.yaml", surrogate));
  CHECK_FALSE(check_text("a: \xe2\x82", "f.yaml", truncated));
}

TEST_CASE("multi-byte characters count as one column") {
  Diagnostics diagnostics;
  CHECK_FALSE(check_text("\xc3\xa9\xc3\xa9\xff", "f.yaml", diagnostics));
  CHECK(diagnostics.items()[0].mark.column == 3);
}
