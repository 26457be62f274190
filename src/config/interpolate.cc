#include "config/interpolate.hpp"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>

#include "config/suggest.hpp"

namespace summon::config {

namespace {

// Realistic values nest two or three deep; the limit keeps hostile ones off
// the stack.
constexpr int max_nesting = 32;
// Past this many problems in one value, more of them would only be noise (and
// would make a hostile value slow to report).
constexpr int max_errors = 10;

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_port_char(char c) {
  return is_name_char(c) || c == '-' || c == '.';
}

// What follows a variable's name: "" for the closing `}`, or the operator
// that introduces a default or a message; nullopt for anything else.
std::optional<std::string_view> operator_at(std::string_view rest) {
  for (std::string_view op : {":-", ":?", "-", "?"})
    if (rest.starts_with(op)) return op;
  if (rest.starts_with('}')) return std::string_view();
  return std::nullopt;
}

// One pass over the text that both checks and expands. A reference whose
// value is not needed (the default of a set variable) is still checked for
// syntax and undeclared ports, which do not depend on the environment, but
// never looked up. Each byte is read once, so the cost is linear.
class Expander {
 public:
  Expander(std::string_view text, const InterpolationContext& context, const std::string& file,
           Mark mark, Diagnostics& diagnostics)
      : text_(text), context_(context), file_(file), mark_(mark), diagnostics_(diagnostics) {}

  std::optional<std::string> run() {
    std::string out;
    out.reserve(text_.size());
    if (!expand(0, true, &out) || errors_ > 0) return std::nullopt;
    return out;
  }

 private:
  // Expands up to the end, or (when nested) up to the `}` that closes the
  // enclosing reference, which is left unread. Only `${` nests: as in the
  // shell, a lone `{` is plain text and does not pair with a `}`.
  // Returns false on a syntax error, after which nothing more is read.
  bool expand(int depth, bool active, std::string* out) {
    while (pos_ < text_.size()) {
      std::size_t stop = text_.find_first_of(depth > 0 ? "$}" : "$", pos_);
      if (stop == std::string_view::npos) stop = text_.size();
      if (active) out->append(text_.substr(pos_, stop - pos_));
      pos_ = stop;
      if (pos_ == text_.size() || text_[pos_] == '}') return true;
      char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
      if (next == '{') {
        if (!reference(depth + 1, active, out)) return false;
      } else {
        if (active) out->push_back('$');
        pos_ += next == '$' ? 2 : 1;
      }
    }
    return true;
  }

  // Reads one `${...}` starting at pos_.
  bool reference(int depth, bool active, std::string* out) {
    std::size_t start = pos_;
    if (depth > max_nesting)
      return syntax_error(fmt::format(
          "variable references nested more than {} deep; simplify the value", max_nesting));
    pos_ += 2;
    auto rest = text_.substr(pos_);
    if (rest.starts_with("ports.")) return port(start, active, out);
    if (rest.starts_with("project.") || rest.starts_with("service."))
      return folder(start, active, out);

    std::size_t name_start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    std::string name(text_.substr(name_start, pos_ - name_start));
    if (pos_ == text_.size()) return unterminated(start);
    if (name.empty() && text_[pos_] == '}')
      return syntax_error("empty variable name in '${}'; write ${NAME}, or $$ for a literal '$'");
    if (name.empty() || !is_name_start(name.front()))
      return syntax_error(fmt::format(
          "invalid variable name in '{}': a name is letters, digits and '_', and does not "
          "start with a digit",
          quote(start)));
    auto op = operator_at(text_.substr(pos_));
    if (!op)
      return syntax_error(fmt::format(
          "invalid variable reference '{}': expected '}}', ':-', '-', ':?' or '?' after '{}'",
          quote(start), name));
    pos_ += op->size();
    return variable(start, name, *op, depth, active, out);
  }

  // Expands a variable, with pos_ after its operator.
  bool variable(std::size_t start, const std::string& name, std::string_view op, int depth,
                bool active, std::string* out) {
    std::optional<std::string> value;
    if (active && context_.lookup) value = context_.lookup(name);
    bool unset = !value;
    if (op.empty()) {
      ++pos_;
      if (!active) return true;
      if (!unset) {
        out->append(*value);
        return true;
      }
      return error(fmt::format(
          "variable '{}' is not set; set it in the environment or in .env, or give a default: "
          "${{{}:-value}}",
          name, name));
    }

    bool use_word = active && (unset || (op.front() == ':' && value->empty()));
    bool is_default = op.back() == '-';
    std::string message;
    if (!expand(depth, use_word, is_default ? out : &message)) return false;
    if (pos_ == text_.size()) return unterminated(start);
    ++pos_;
    if (active && !use_word) out->append(*value);
    if (!use_word || is_default) return true;
    std::string problem = unset ? "is not set" : "is empty";
    return error(message.empty() ? fmt::format("variable '{}' {}", name, problem)
                                 : fmt::format("variable '{}' {}: {}", name, problem, message));
  }

  // Reads `${ports.NAME}`, with pos_ at "ports.".
  bool port(std::size_t start, bool active, std::string* out) {
    pos_ += 6;
    std::size_t name_start = pos_;
    while (pos_ < text_.size() && is_port_char(text_[pos_])) ++pos_;
    std::string name(text_.substr(name_start, pos_ - name_start));
    if (pos_ == text_.size()) return unterminated(start);
    if (name.empty() || text_[pos_] != '}')
      return syntax_error(fmt::format(
          "invalid port reference '{}': write ${{ports.NAME}}, with no default", quote(start)));
    ++pos_;
    std::string written(text_.substr(start, pos_ - start));
    const auto& declared = context_.declared_ports;
    if (std::find(declared.begin(), declared.end(), name) == declared.end()) {
      return error(fmt::format("'{}' refers to port '{}', which is not declared under 'ports:'{}",
                               written, name, did_you_mean(name, declared)));
    }
    if (!active) return true;
    // A declared port missing from the picked ones is kept as written rather
    // than guessed at.
    if (context_.ports) {
      auto picked = context_.ports->find(name);
      if (picked != context_.ports->end()) {
        out->append(std::to_string(picked->second));
        return true;
      }
    }
    out->append(written);
    return true;
  }

  // Reads `${project.dir}` or `${service.cwd}`, with pos_ at its name.
  bool folder(std::size_t start, bool active, std::string* out) {
    static const std::vector<std::string> known{"${project.dir}", "${service.cwd}"};
    std::size_t name_start = pos_;
    while (pos_ < text_.size() && is_port_char(text_[pos_])) ++pos_;
    std::string name(text_.substr(name_start, pos_ - name_start));
    if (pos_ == text_.size()) return unterminated(start);
    if (text_[pos_] != '}')
      return syntax_error(fmt::format(
          "invalid reference '{}': write ${{project.dir}} or ${{service.cwd}}, with no default",
          quote(start)));
    ++pos_;
    std::string written(text_.substr(start, pos_ - start));
    if (name == "project.dir") {
      if (active) out->append(context_.project_dir);
      return true;
    }
    if (name != "service.cwd")
      return error(
          fmt::format("unknown reference '{}': write ${{project.dir}} or ${{service.cwd}}{}",
                      written, did_you_mean(written, known)));
    // Where it stands, not the environment, decides whether it can be used:
    // checked even in a default that is not used.
    if (!context_.in_service)
      return error(fmt::format("'{}' is valid only inside a service; at the top level, use "
                               "${{project.dir}}",
                               written));
    if (!context_.service_cwd)
      return error(fmt::format("'{}' cannot be used in the service's own 'cwd'; use "
                               "${{project.dir}}",
                               written));
    if (active) out->append(*context_.service_cwd);
    return true;
  }

  // The reference starting at `start` as written, up to the first `}` (or,
  // with `to_end`, the end of the text), shortened if long: for messages.
  std::string quote(std::size_t start, bool to_end = false) const {
    constexpr std::size_t longest = 40;
    std::size_t end = to_end ? std::string_view::npos : text_.find('}', start);
    end = end == std::string_view::npos ? text_.size() : end + 1;
    if (end - start <= longest) return std::string(text_.substr(start, end - start));
    return std::string(text_.substr(start, longest)) + "...";
  }

  bool unterminated(std::size_t start) {
    return syntax_error(
        fmt::format("unterminated variable reference '{}': add the closing '}}', or write $$ for a "
                    "literal '$'",
                    quote(start, true)));
  }

  bool syntax_error(std::string message) {
    error(std::move(message));
    return false;
  }

  // Returns false once the value has had enough errors, to stop reading it.
  bool error(std::string message) {
    diagnostics_.error(file_, mark_, std::move(message));
    return ++errors_ < max_errors;
  }

  std::string_view text_;
  const InterpolationContext& context_;
  const std::string& file_;
  Mark mark_;
  Diagnostics& diagnostics_;
  std::size_t pos_ = 0;
  int errors_ = 0;
};

}  // namespace

std::optional<std::string> interpolate(std::string_view text, const InterpolationContext& context,
                                       const std::string& file, Mark mark,
                                       Diagnostics& diagnostics) {
  return Expander(text, context, file, mark, diagnostics).run();
}

std::string escape_interpolation(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '{'))
      out.push_back('$');
  }
  return out;
}

}  // namespace summon::config
