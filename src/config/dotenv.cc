#include "config/dotenv.hpp"

#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "config/source.hpp"

namespace summon::config {

namespace {

// '\r' counts as white space so that a stray carriage return (one not before
// a '\n', which is removed up front) never ends up at either end of a value.
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
bool is_key_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_key_char(char c) {
  return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool valid_key(std::string_view key) {
  if (key.empty() || !is_key_start(key.front())) return false;
  for (char c : key)
    if (!is_key_char(c)) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Windows editors write CRLF line ends and sometimes a byte order mark; neither
// belongs in a value. Columns are unchanged: a removed '\r' ends its line.
std::string normalize(const std::string& text) {
  std::string_view in = text;
  if (in.starts_with("\xEF\xBB\xBF")) in.remove_prefix(3);
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    if (!(in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n')) out.push_back(in[i]);
  return out;
}

// A read position that knows its line and column. Columns count characters,
// not bytes, as check_text's do.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool at_line_end() const { return at_end() || peek() == '\n'; }
  char peek() const { return text_[pos_]; }
  Mark mark() const { return {line_, column_}; }
  // The text from here to the end of the line, without the '\n'.
  std::string_view rest_of_line() const {
    std::size_t end = text_.find('\n', pos_);
    return text_.substr(pos_, end == std::string_view::npos ? end : end - pos_);
  }

  void advance(std::size_t n = 1) {
    for (; n > 0 && !at_end(); --n, ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_, column_ = 1;
      } else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
        ++column_;
      }
    }
  }
  void skip_blanks() {
    while (!at_end() && is_blank(peek())) advance();
  }
  // Moves past the end of the current line.
  void next_line() {
    while (!at_line_end()) advance();
    advance();
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

// Enough to show what is wrong with a file; a binary or hostile one could
// otherwise produce millions.
constexpr int max_errors = 20;

class Parser {
 public:
  Parser(const std::string& text, const std::string& file, Diagnostics& diagnostics)
      : text_(normalize(text)), cursor_(text_), file_(file), diagnostics_(diagnostics) {}

  std::optional<EnvList> run() {
    while (!cursor_.at_end() && errors_ < max_errors) line();
    if (errors_ == max_errors)
      diagnostics_.error(file_, last_error_, "too many errors; stopped reading the file here");
    if (errors_ > 0) return std::nullopt;
    return std::move(entries_);
  }

 private:
  void line() {
    cursor_.skip_blanks();
    if (cursor_.at_line_end() || cursor_.peek() == '#') return cursor_.next_line();
    std::string_view rest = cursor_.rest_of_line();
    if (rest.find('=') == std::string_view::npos) {
      error(cursor_.mark(), "invalid line: expected KEY=VALUE");
      return cursor_.next_line();
    }
    if (rest.starts_with("export") && rest.size() > 6 && is_blank(rest[6])) {
      cursor_.advance(6);
      cursor_.skip_blanks();
      rest = cursor_.rest_of_line();
    }
    Mark key_mark = cursor_.mark();
    std::size_t equals = rest.find('=');
    std::string_view key = trim(rest.substr(0, equals));
    cursor_.advance(equals + 1);
    // The value is read even after a bad key, so that a quoted value spanning
    // lines is not taken for more bad lines.
    auto value = this->value();
    if (key.empty()) {
      error(key_mark, "invalid line: expected KEY=VALUE, found nothing before '='");
    } else if (!valid_key(key)) {
      error(key_mark, fmt::format("invalid key '{}': a key is letters, digits, '_', '.' and '-', "
                                  "and starts with a letter or '_'",
                                  key));
    } else if (value) {
      entries_.emplace_back(std::string(key), std::move(*value));
    }
    cursor_.next_line();
  }

  // Reads the value after '=', leaving the cursor at the end of its (last) line.
  std::optional<std::string> value() {
    std::string_view raw = cursor_.rest_of_line();
    cursor_.skip_blanks();
    if (cursor_.at_line_end()) return std::string();
    if (cursor_.peek() == '\'') return after_quote(single_quoted());
    if (cursor_.peek() == '"') return after_quote(double_quoted());
    // A '#' after white space starts a comment; elsewhere it is text (`a#b`).
    for (std::size_t i = 1; i < raw.size(); ++i) {
      if (raw[i] == '#' && is_blank(raw[i - 1])) {
        raw = raw.substr(0, i);
        break;
      }
    }
    cursor_.advance(cursor_.rest_of_line().size());
    return std::string(trim(raw));
  }

  std::optional<std::string> single_quoted() {
    Mark open = cursor_.mark();
    cursor_.advance();
    std::string out;
    while (!cursor_.at_end() && cursor_.peek() != '\'') out.push_back(next());
    return closing_quote(std::move(out), open, "single");
  }

  // Only `\n`, `\"` and `\\` are escapes; any other backslash is kept as
  // written, so Windows paths and regexes survive unchanged.
  std::optional<std::string> double_quoted() {
    Mark open = cursor_.mark();
    cursor_.advance();
    std::string out;
    while (!cursor_.at_end() && cursor_.peek() != '"') {
      char c = next();
      if (c == '\\' && !cursor_.at_end()) {
        char e = cursor_.peek();
        if (e == 'n' || e == '"' || e == '\\') {
          cursor_.advance();
          c = e == 'n' ? '\n' : e;
        }
      }
      out.push_back(c);
    }
    return closing_quote(std::move(out), open, "double");
  }

  std::optional<std::string> closing_quote(std::string value, Mark open, std::string_view kind) {
    if (cursor_.at_end()) {
      error(cursor_.mark(),
            fmt::format("unterminated {}-quoted value (opened at line {})", kind, open.line));
      return std::nullopt;
    }
    cursor_.advance();
    return value;
  }

  // Only white space and a comment may follow a closing quote.
  std::optional<std::string> after_quote(std::optional<std::string> value) {
    if (!value) return value;
    cursor_.skip_blanks();
    if (cursor_.at_line_end() || cursor_.peek() == '#') {
      cursor_.advance(cursor_.rest_of_line().size());
      return value;
    }
    error(cursor_.mark(),
          "unexpected text after the closing quote; put it inside the quotes, or start a comment "
          "with '#'");
    cursor_.advance(cursor_.rest_of_line().size());
    return std::nullopt;
  }

  char next() {
    char c = cursor_.peek();
    cursor_.advance();
    return c;
  }

  void error(Mark mark, std::string message) {
    ++errors_;
    last_error_ = mark;
    diagnostics_.error(file_, mark, std::move(message));
  }

  std::string text_;
  Cursor cursor_;
  const std::string& file_;
  Diagnostics& diagnostics_;
  EnvList entries_;
  int errors_ = 0;
  Mark last_error_;
};

}  // namespace

std::optional<EnvList> parse_dotenv(const std::string& text, const std::string& file,
                                    Diagnostics& diagnostics) {
  return Parser(text, file, diagnostics).run();
}

std::optional<EnvList> load_dotenv(const std::string& path, Diagnostics& diagnostics) {
  // read_source's message for a folder is about services files; say it plainly here.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diagnostics.error(path, {}, "is a folder, not a dotenv file");
    return std::nullopt;
  }
  auto text = read_source(path, diagnostics);
  if (!text) return std::nullopt;
  return parse_dotenv(*text, path, diagnostics);
}

}  // namespace summon::config
