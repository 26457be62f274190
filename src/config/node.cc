#include "config/node.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace summon::config {

Node::Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;
Node::~Node() = default;

const Node* Node::find(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k.text == key) return &v;
  return nullptr;
}

const Key* Node::find_key(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k.text == key) return &k;
  return nullptr;
}

std::string_view describe(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::null:
      return "null";
    case Node::Kind::boolean:
      return "a boolean";
    case Node::Kind::integer:
      return "an integer";
    case Node::Kind::real:
      return "a number";
    case Node::Kind::string:
      return "a string";
    case Node::Kind::sequence:
      return "a list";
    case Node::Kind::mapping:
      return "a map";
  }
  return "a value";
}

namespace {

constexpr int max_depth = 64;      // no sane services file comes close
// More would bury the first ones; the last place is kept for saying so.
constexpr int max_problems = static_cast<int>(Diagnostics::limit) - 1;
constexpr std::size_t max_flow_indicators = 100'000;
// Removes the value it is written on when files are merged (SPEC 1.6).
constexpr std::string_view reset_tag = "!reset";

Mark mark_of(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

// Whether `s` is all digits of a base: [0-9]+, [0-7]+ or [0-9a-fA-F]+.
bool all_digits(std::string_view s, int base) {
  auto digit = [base](char c) {
    if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    return c >= '0' && c < '0' + base;
  };
  return !s.empty() && std::all_of(s.begin(), s.end(), digit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, or infinity, or NaN.
bool is_real(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == ".inf" || s == ".Inf" || s == ".INF") return true;
  auto exponent = s.find_first_of("eE");
  if (exponent != std::string_view::npos) {
    auto power = s.substr(exponent + 1);
    if (!power.empty() && (power[0] == '-' || power[0] == '+')) power.remove_prefix(1);
    if (!all_digits(power, 10)) return false;
    s = s.substr(0, exponent);
  }
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return all_digits(s, 10);
  auto whole = s.substr(0, dot), fraction = s.substr(dot + 1);
  if (whole.empty()) return all_digits(fraction, 10);
  return all_digits(whole, 10) && (fraction.empty() || all_digits(fraction, 10));
}

// The YAML 1.2 core schema's resolution of plain scalars.
Node::Kind resolve_plain(std::string_view s) {
  if (s.size() > 64) return Node::Kind::string;  // no number is written that long
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Node::Kind::null;
  for (const char* word : {"true", "True", "TRUE", "false", "False", "FALSE"})
    if (s == word) return Node::Kind::boolean;
  std::string_view digits = s;
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  if (all_digits(digits, 10)) return Node::Kind::integer;
  if (s.starts_with("0o") && all_digits(s.substr(2), 8)) return Node::Kind::integer;
  if (s.starts_with("0x") && all_digits(s.substr(2), 16)) return Node::Kind::integer;
  if (is_real(s)) return Node::Kind::real;
  return Node::Kind::string;
}

// Thrown from the event handler to end the parse early; the diagnostic is recorded.
struct Stopped {};

// Builds the Node tree from yaml-cpp's parse events. No tree of yaml-cpp's own is
// built, and every limit (values, depth, alias expansion) stops the parse the
// moment it is crossed, so a hostile document costs no more than the limits.
class Builder : public YAML::EventHandler {
 public:
  Builder(const std::string& file, Diagnostics& diagnostics, ParseLimits limits)
      : file_(file), file_name_(std::make_shared<const std::string>(file)),
        diagnostics_(diagnostics), limits_(limits) {}

  /// The document; nullopt when the text holds none.
  std::optional<Node>& root() { return root_; }
  /// False when a problem was recorded.
  bool ok() const { return ok_; }
  /// Where the scalar that starts last in the text starts.
  const std::optional<YAML::Mark>& last_scalar() const { return last_scalar_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    check_limits(mark, {1, 0});
    Node node;
    node.mark = at(mark);
    add(std::move(node), mark, anchor, {1, 0}, false);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!last_scalar_ || mark.pos > last_scalar_->pos) last_scalar_ = mark;
    check_limits(mark, {1, 0});
    Node node;
    node.mark = at(mark);
    node.text = value;
    resolve(tag, node);
    add(std::move(node), mark, anchor, {1, 0}, tag == "?" && value == "<<");
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    for (const auto& open : open_)
      if (open.anchor == anchor) stop(mark, "an alias refers to a node that contains it (a cycle)");
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) stop(mark, "an alias refers to an anchor that is not defined");
    check_limits(mark, it->second.shape);
    add(Node(it->second.node), mark, YAML::NullAnchor, it->second.shape, false);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    start(mark, anchor, Node::Kind::sequence, tag == reset_tag);
  }
  void OnSequenceEnd() override { end(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    start(mark, anchor, Node::Kind::mapping, tag == reset_tag);
  }
  void OnMapEnd() override { end(); }

 private:
  // The size of a tree in values, and how many levels lie below its root.
  struct Shape {
    std::size_t size;
    int height;
  };

  struct Anchored {
    Node node;
    Shape shape;
  };

  // A list or map whose end has not been seen yet.
  struct Open {
    Node node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    YAML::Mark mark;
    Shape shape{1, 0};
    // Maps only: the key whose value comes next, and what that value is for.
    std::optional<Key> key;
    bool merge_next = false;  // the key was `<<`
    bool drop_next = false;   // the key was refused
    std::vector<Node> merges;
    std::unordered_map<std::string, Mark> keys;  // linear time for maps with many keys
  };

  [[noreturn]] void stop(const YAML::Mark& mark, std::string message) {
    stop(at(mark), std::move(message));
  }

  // Where a value stands, in this file.
  Mark at(const YAML::Mark& mark) const {
    Mark out = mark_of(mark);
    out.file = file_name_;
    return out;
  }
  [[noreturn]] void stop(Mark mark, std::string message) {
    fail(mark, std::move(message));
    throw Stopped{};
  }

  void fail(Mark mark, std::string message) {
    diagnostics_.error(file_, mark, std::move(message));
    ok_ = false;
    if (++problems_ < max_problems) return;
    diagnostics_.error(file_, {}, fmt::format("stopped reading after {} errors", max_problems));
    throw Stopped{};
  }

  // Counts values as they come, an alias as many as it stands for, and checks
  // the depth of the deepest of them.
  void check_limits(const YAML::Mark& mark, Shape shape) {
    count_ += shape.size;
    if (count_ > limits_.max_nodes)
      stop(mark, fmt::format("the document has more than {} values (counting each use of an "
                             "alias); summon reads no more",
                             limits_.max_nodes));
    if (static_cast<int>(open_.size()) + shape.height > max_depth)
      stop(mark, fmt::format("nesting is deeper than {} levels", max_depth));
  }

  void resolve(const std::string& tag, Node& node) {
    if (tag == reset_tag) {
      node.reset = true;
      node.kind = resolve_plain(node.text);
      return;
    }
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      node.kind = Node::Kind::string;
      return;
    }
    node.kind = resolve_plain(node.text);
    if (tag == "?" || tag.empty()) return;
    static const std::pair<const char*, Node::Kind> known[] = {
        {"tag:yaml.org,2002:int", Node::Kind::integer},
        {"tag:yaml.org,2002:float", Node::Kind::real},
        {"tag:yaml.org,2002:bool", Node::Kind::boolean},
        {"tag:yaml.org,2002:null", Node::Kind::null},
    };
    for (const auto& [name, kind] : known) {
      if (tag != name) continue;
      if (node.kind == kind || (kind == Node::Kind::real && node.kind == Node::Kind::integer)) {
        node.kind = kind;
        return;
      }
      stop(node.mark, fmt::format("'{}' is not {}", node.text, describe(kind)));
    }
    stop(node.mark, fmt::format("unsupported tag '{}'; remove it", tag));
  }

  void start(const YAML::Mark& mark, YAML::anchor_t anchor, Node::Kind kind, bool reset) {
    check_limits(mark, {1, 0});
    Open open;
    open.anchor = anchor;
    open.mark = mark;
    open.node.kind = kind;
    open.node.reset = reset;
    open.node.mark = at(mark);
    open_.push_back(std::move(open));
  }

  void end() {
    Open open = std::move(open_.back());
    open_.pop_back();
    for (auto& merge : open.merges) merge_into(open, merge);
    add(std::move(open.node), open.mark, open.anchor, open.shape, false);
  }

  // Places a finished value, already counted, in the list or map that holds it.
  void add(Node node, const YAML::Mark& mark, YAML::anchor_t anchor, Shape shape, bool merge_key) {
    if (anchor != YAML::NullAnchor) {
      check_limits(mark, shape);  // the copy kept for aliases
      anchors_.insert_or_assign(anchor, Anchored{node, shape});
    }
    if (open_.empty()) {
      root_ = std::move(node);
      return;
    }
    Open& parent = open_.back();
    parent.shape.size += shape.size;
    parent.shape.height = std::max(parent.shape.height, shape.height + 1);
    if (parent.node.is_seq()) {
      parent.node.items.push_back(std::move(node));
    } else if (!parent.key) {
      take_key(parent, std::move(node), merge_key);
    } else {
      take_value(parent, std::move(node));
    }
  }

  void take_key(Open& map, Node key, bool merge_key) {
    map.key = Key{key.text, key.mark};
    map.merge_next = merge_key;
    map.drop_next = !key.is_scalar() || key.kind == Node::Kind::null;
    if (!key.is_scalar())
      fail(key.mark, "a key must be a plain string, not a list or map");
    else if (key.kind == Node::Kind::null)
      fail(key.mark, "a key must be a string, not empty or null");
  }

  void take_value(Open& map, Node value) {
    Key key = std::move(*map.key);
    map.key.reset();
    if (map.drop_next) return;
    if (map.merge_next) {
      map.merges.push_back(std::move(value));
      return;
    }
    if (auto [first, inserted] = map.keys.try_emplace(key.text, key.mark); !inserted) {
      fail(key.mark, fmt::format("duplicate key '{}' (first defined at line {})", key.text,
                                 first->second.line));
      return;
    }
    map.node.members.emplace_back(std::move(key), std::move(value));
  }

  // YAML merge keys: members of the merged maps that the map does not set itself.
  void merge_into(Open& map, Node& merge) {
    std::vector<Node*> sources{&merge};
    if (merge.is_seq()) {
      sources.clear();
      for (auto& item : merge.items) sources.push_back(&item);
    }
    for (Node* source : sources) {
      if (!source->is_map()) {
        fail(source->mark, "'<<' merges maps only: give it an alias of a map or a list of them");
        return;
      }
      for (auto& [key, value] : source->members)
        if (map.keys.try_emplace(key.text, key.mark).second)
          map.node.members.emplace_back(std::move(key), std::move(value));
    }
  }

  const std::string& file_;
  std::shared_ptr<const std::string> file_name_;  // on every mark
  Diagnostics& diagnostics_;
  ParseLimits limits_;
  std::optional<Node> root_;
  bool ok_ = true;
  std::size_t count_ = 0;
  int problems_ = 0;
  std::vector<Open> open_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::optional<YAML::Mark> last_scalar_;
};

// Line `index` (0-based) of text, without its line break.
std::string_view line_of(const std::string& text, int index) {
  std::size_t start = 0;
  for (int line = 0; line < index; ++line) {
    start = text.find('\n', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  std::size_t end = std::min(text.find('\n', start), text.size());
  return std::string_view(text).substr(start, end - start);
}

// Whether line `index` (0-based) of text has a tab in its leading white space.
bool tab_indented(const std::string& text, int index) {
  auto line = line_of(text, index);
  return line.substr(0, line.find_first_not_of(" \t")).find('\t') != std::string_view::npos;
}

// YAML limits a key written without `?` to 1024 characters; yaml-cpp reports a
// longer one as an "illegal map value" at its ':'.
bool long_key_before(const std::string& text, const YAML::Mark& mark) {
  auto line = line_of(text, mark.line);
  auto colon = static_cast<std::size_t>(mark.column);
  if (colon >= line.size() || line[colon] != ':') return false;
  return colon - std::min(colon, line.find_first_not_of(" -")) > 1024;
}

// yaml-cpp's own message, or a plainer one when a tab in the indentation of the
// failing line (or the one before it) or an overlong key is the likely cause.
std::string yaml_message(const YAML::Exception& e, const std::string& text) {
  if (!e.mark.is_null() &&
      (tab_indented(text, e.mark.line) || (e.mark.line > 0 && tab_indented(text, e.mark.line - 1))))
    return "a tab is used for indentation near here; YAML allows only spaces";
  if (!e.mark.is_null() && long_key_before(text, e.mark))
    return "the key before this ':' is longer than 1024 characters, the most YAML allows";
  std::string msg = e.msg;
  if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  return "invalid YAML: " + msg;
}

// yaml-cpp holds every token of a flow collection ([...] or {...}) in memory
// until it knows whether the collection is a key, which can be the end of the
// file: 4 MiB of '[' take a second and a gigabyte. Counting the characters that
// make those tokens bounds that cost before yaml-cpp sees the text. Where one
// stands in a string or a comment it is counted too; no real file comes close.
std::optional<Mark> too_many_flow_indicators(const std::string& text) {
  std::size_t count = 0;
  Mark mark{1, 1};
  for (char c : text) {
    if (c == '[' || c == ']' || c == '{' || c == '}' || c == ',') {
      if (++count > max_flow_indicators) return mark;
    }
    if (c == '\n') {
      ++mark.line, mark.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++mark.column;  // a character starts here, not the middle of one
    }
  }
  return std::nullopt;
}

// yaml-cpp accepts a quoted scalar that is never closed when a line break comes
// before the end of the text. Such a scalar runs to the end, so it is the one
// that starts last, and only that one needs checking.
bool quote_closed(const std::string& text, const YAML::Mark& mark) {
  // yaml-cpp's positions do not count a byte order mark.
  std::size_t i = static_cast<std::size_t>(mark.pos) + (text.starts_with("\xEF\xBB\xBF") ? 3 : 0);
  // Skip the node's tag and anchor, and the blanks and comments after them.
  while (i < text.size()) {
    char c = text[i];
    if (c == '!' || c == '&') {
      i = text.find_first_of(" \t\r\n", i);
    } else if (c == '#') {
      i = text.find('\n', i);
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else {
      break;
    }
  }
  if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) return true;
  char quote = text[i];
  for (++i; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character cannot close the string
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside a single-quoted string
      } else {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::optional<Node> parse_yaml(const std::string& text, const std::string& file,
                               Diagnostics& diagnostics, ParseLimits limits) {
  if (auto mark = too_many_flow_indicators(text)) {
    diagnostics.error(file, *mark,
                      fmt::format("the file has more than {} of the characters [ ] {{ }} and ','; "
                                  "summon reads no more (write long lists and maps in block style)",
                                  max_flow_indicators));
    return std::nullopt;
  }
  Builder builder(file, diagnostics, limits);
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    parser.HandleNextDocument(builder);
  } catch (const Stopped&) {
    return std::nullopt;
  } catch (const YAML::DeepRecursion& e) {
    diagnostics.error(file, mark_of(e.mark),
                      fmt::format("nesting is deeper than {} levels", max_depth));
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diagnostics.error(file, mark_of(e.mark), yaml_message(e, text));
    return std::nullopt;
  }
  if (!builder.ok()) return std::nullopt;
  auto& root = builder.root();
  if (!root || root->kind == Node::Kind::null) {
    diagnostics.error(file, {}, "the file is empty; it needs at least a 'services:' map");
    return std::nullopt;
  }
  if (builder.last_scalar() && !quote_closed(text, *builder.last_scalar())) {
    diagnostics.error(file, mark_of(*builder.last_scalar()), "this quoted string is never closed");
    return std::nullopt;
  }
  return std::move(root);
}

}  // namespace summon::config
