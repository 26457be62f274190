#include "runtime/ansi.hpp"

#include <doctest/doctest.h>

#include <string>

using summon::runtime::strip_ansi;

TEST_CASE("text without escapes is returned unchanged") {
  CHECK(strip_ansi("listening on :8080") == "listening on :8080");
  CHECK(strip_ansi("") == "");
}

TEST_CASE("colour codes are removed") {
  CHECK(strip_ansi("\x1b[32mready\x1b[0m") == "ready");
  CHECK(strip_ansi("\x1b[1;38;5;196mERROR\x1b[m: boom") == "ERROR: boom");
  CHECK(strip_ansi("\x1b[38;2;255;0;0mred") == "red");
}

TEST_CASE("other CSI sequences, with intermediate bytes, are removed") {
  CHECK(strip_ansi("\x1b[2K\x1b[1Gprogress 50%") == "progress 50%");
  CHECK(strip_ansi("a\x1b[?25lb\x1b[1 qc") == "abc");
}

TEST_CASE("OSC titles ending in BEL or ST are removed") {
  CHECK(strip_ansi("\x1b]0;my title\x07ready") == "ready");
  CHECK(strip_ansi("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ text") == "link text");
}

TEST_CASE("an OSC interrupted by another escape ends there") {
  CHECK(strip_ansi("\x1b]0;title\x1b[31mred") == "red");
}

TEST_CASE("two-byte and charset sequences are removed") {
  CHECK(strip_ansi("\x1b"
                   "7saved\x1b"
                   "8") == "saved");
  CHECK(strip_ansi("\x1b(Bplain\x1b"
                   "c") == "plain");
}

TEST_CASE("a lone ESC at the end of a line is removed") {
  CHECK(strip_ansi("ready\x1b") == "ready");
}

TEST_CASE("a sequence cut short by the end of the line is removed") {
  CHECK(strip_ansi("ready\x1b[38;5") == "ready");
  CHECK(strip_ansi("ready\x1b]0;tit") == "ready");
}

TEST_CASE("a CSI cut short by a foreign byte is removed up to that byte") {
  CHECK(strip_ansi("a\x1b[31\tb") == "a\tb");
}

TEST_CASE("control bytes and invalid UTF-8 pass through") {
  const std::string binary(
      "\0\x01\x07\r\xff\xfe\x9b"
      "31m",
      10);
  CHECK(strip_ansi(binary) == binary);
  CHECK(strip_ansi("caf\xc3\xa9 \x1b[1m\xe2\x82\xac\x1b[0m") == "caf\xc3\xa9 \xe2\x82\xac");
}
