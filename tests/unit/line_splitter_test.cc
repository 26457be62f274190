#include "runtime/line_splitter.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using summon::runtime::LineSplitter;

namespace {

constexpr std::size_t max_line = LineSplitter::max_line;

// Feeds `chunks` in order, then finishes, and returns every line emitted.
std::vector<std::string> split(const std::vector<std::string_view>& chunks) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  const auto emit = [&](std::string_view line) { lines.emplace_back(line); };
  for (std::string_view chunk : chunks) splitter.feed(chunk, emit);
  splitter.finish(emit);
  return lines;
}

// Feeds `text` one byte at a time.
std::vector<std::string> split_bytewise(std::string_view text) {
  std::vector<std::string_view> chunks;
  for (std::size_t i = 0; i < text.size(); ++i) chunks.push_back(text.substr(i, 1));
  return split(chunks);
}

using Lines = std::vector<std::string>;

// The same, but reads the views only after each call has returned, as the
// output pump does with a chunk's lines.
Lines split_read_late(const std::vector<std::string_view>& chunks) {
  LineSplitter splitter;
  Lines lines;
  std::vector<std::string_view> views;
  const auto collect = [&](std::string_view line) { views.push_back(line); };
  const auto read_views = [&] {
    for (auto view : views) lines.emplace_back(view);
    views.clear();
  };
  for (std::string_view chunk : chunks) {
    splitter.feed(chunk, collect);
    read_views();
  }
  splitter.finish(collect);
  read_views();
  return lines;
}

}  // namespace

TEST_CASE("lines stay valid until the next call, whichever buffer they came from") {
  const std::string long_line(max_line * 2 + 10, 'y');
  const std::string long_text = "ab" + long_line + "\nshort\n" + long_line + "\n";
  std::vector<std::vector<std::string_view>> cases = {
      {"he", "llo\nbye\nx", "y\n", "z"},                // short open lines
      {"a\r", "\nb\r\n", "c"},                          // CRLF split between chunks
  };
  // A long open line, fed in pieces: its cut pieces come from the open buffer.
  std::vector<std::string_view> pieces;
  for (std::size_t at = 0; at < long_text.size(); at += 5000)
    pieces.push_back(std::string_view(long_text).substr(at, 5000));
  cases.push_back(pieces);
  for (const auto& chunks : cases) CHECK(split_read_late(chunks) == split(chunks));
}

TEST_CASE("complete lines in one chunk are emitted without their newline") {
  CHECK(split({"one\ntwo\n"}) == Lines{"one", "two"});
}

TEST_CASE("a line cut across chunks is emitted once, whole") {
  CHECK(split({"he", "llo wo", "rld\nbye", "\n"}) == Lines{"hello world", "bye"});
}

TEST_CASE("a CRLF ending drops the carriage return, even split between chunks") {
  CHECK(split({"a\r\nb\r", "\n"}) == Lines{"a", "b"});
}

TEST_CASE("only a carriage return just before the newline is dropped") {
  CHECK(split({"a\rb\n\r\r\n"}) == Lines{"a\rb", "\r"});
}

TEST_CASE("empty lines are emitted as empty lines") {
  CHECK(split({"\n\nx\n", "\n"}) == Lines{"", "", "x", ""});
}

TEST_CASE("a last line without a final newline is emitted by finish") {
  LineSplitter splitter;
  Lines lines;
  const auto emit = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed("done\npartial", emit);
  CHECK(lines == Lines{"done"});
  splitter.finish(emit);
  CHECK(lines == Lines{"done", "partial"});
}

TEST_CASE("finish after a final newline emits nothing") {
  CHECK(split({"x\n"}) == Lines{"x"});
  CHECK(split({}).empty());
}

TEST_CASE("a line of exactly max_line bytes is not split") {
  const std::string line(max_line, 'a');
  CHECK(split({line + "\n"}) == Lines{line});
  CHECK(split({line + "\r\n"}) == Lines{line});
  CHECK(split_bytewise(line + "\r\n") == Lines{line});
  CHECK(split({line}) == Lines{line});
}

TEST_CASE("a line one byte too long is split at max_line") {
  const std::string line(max_line + 1, 'a');
  const Lines expected{std::string(max_line, 'a'), "a"};
  CHECK(split({line + "\n"}) == expected);
  CHECK(split_bytewise(line + "\n") == expected);
  CHECK(split_bytewise(line) == expected);
}

TEST_CASE("a 200 KiB line fed in one chunk is split into 64 KiB pieces") {
  std::string line;
  for (std::size_t i = 0; i < 200 * 1024; ++i) line += static_cast<char>('a' + i % 26);
  const Lines lines = split({line + "\nnext\n"});
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == line.substr(0, max_line));
  CHECK(lines[1] == line.substr(max_line, max_line));
  CHECK(lines[2] == line.substr(2 * max_line, max_line));
  CHECK(lines[3] == line.substr(3 * max_line));
  CHECK(lines[3].size() == 8 * 1024);
  CHECK(lines[4] == "next");
}

TEST_CASE("a 200 KiB line fed one byte at a time gives the same pieces") {
  std::string text;
  for (std::size_t i = 0; i < 200 * 1024; ++i) text += static_cast<char>('a' + i % 26);
  text += "\r\nnext";
  CHECK(split_bytewise(text) == split({text}));
  CHECK(split_bytewise(text).size() == 5);
}

TEST_CASE("a long line's pieces follow any chunking, with a CRLF at a cut") {
  const std::string text = std::string(2 * max_line, 'z') + "\r\n";
  const Lines expected{std::string(max_line, 'z'), std::string(max_line, 'z')};
  CHECK(split({text}) == expected);
  CHECK(split({std::string_view(text).substr(0, max_line + 1),
               std::string_view(text).substr(max_line + 1)}) == expected);
  CHECK(split_bytewise(text) == expected);
}

TEST_CASE("a cut never falls inside a UTF-8 sequence") {
  const std::string euro = "\xE2\x82\xAC";  // U+20AC, 3 bytes
  for (std::size_t offset = 0; offset < 3; ++offset) {
    CAPTURE(offset);
    // The euro sign starts `offset` bytes before the cut.
    const std::string head(max_line - offset, 'a');
    const std::string text = head + euro + "tail\n";
    const Lines lines = split({text});
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == head);
    CHECK(lines[1] == euro + "tail");
    CHECK(split_bytewise(text) == lines);
  }
}

TEST_CASE("a UTF-8 sequence ending right at the cut stays in the first piece") {
  const std::string head = std::string(max_line - 3, 'a') + "\xE2\x82\xAC";
  CHECK(split({head + "b\n"}) == Lines{head, "b"});
}

TEST_CASE("invalid UTF-8 is cut at max_line and passed through") {
  const std::string line = std::string(max_line - 1, 'a') + "\x80\x80\x80";
  CHECK(split({line + "\n"}) == Lines{line.substr(0, max_line), line.substr(max_line)});
}

TEST_CASE("bytes are passed through untouched") {
  const std::string binary("\0\x01\xff\xfe\t", 5);
  CHECK(split({binary + "\n"}) == Lines{binary});
}
