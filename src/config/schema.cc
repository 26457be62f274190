// valijson reports a broken schema by throwing, not by aborting the process.
#define VALIJSON_USE_EXCEPTIONS 1

#include "config/schema.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "config/schema_messages.hpp"
#include "config/schema_place.hpp"
#include "schema_text.hpp"

namespace summon::config {

namespace {

using json = nlohmann::json;

// The schema as a JSON document (read by the messages) and as valijson's
// compiled form (what is enforced), both built once.
struct CompiledSchema {
  json document;
  valijson::Schema schema;

  CompiledSchema() : document(json::parse(schema_text())) {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, schema);
  }
};

const CompiledSchema& compiled() {
  static const CompiledSchema instance;
  return instance;
}

// An integer beyond int64 is clamped: it still fails every range check, and
// messages quote the text as written, not this value.
json integer_value(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o')) {
    base = text[1] == 'x' ? 16 : 8;
    text.remove_prefix(2);
  }
  constexpr std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc() || magnitude > static_cast<std::uint64_t>(largest))
    return negative ? -largest : largest;
  auto value = static_cast<std::int64_t>(magnitude);
  return negative ? -value : value;
}

json real_value(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  double value = 0;
  if (text.size() > 1 && text[0] == '.' && (text[1] < '0' || text[1] > '9')) {  // .inf, .nan
    value = (text[1] | 0x20) == 'n' ? std::numeric_limits<double>::quiet_NaN()
                                    : std::numeric_limits<double>::infinity();
  } else if (std::from_chars(text.data(), text.data() + text.size(), value).ec ==
             std::errc::result_out_of_range) {
    bool tiny = text.find("e-") != text.npos || text.find("E-") != text.npos;
    value = tiny ? 0 : std::numeric_limits<double>::infinity();
  }
  return negative ? -value : value;
}

// valijson counts the characters of a string (for minLength) as a C string of
// UTF-8: it stops at a NUL, and reads past its own table on a run of more than
// five continuation bytes. In the copy it validates, those bytes become '?',
// which no pattern or enum of the schema tells apart from them.
std::string countable(std::string text) {
  int run = 0;
  for (char& c : text) {
    bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    run = continuation ? run + 1 : 0;
    if (c == '\0' || run > 3) c = '?', run = 0;
  }
  return text;
}

}  // namespace

json schema_value(const Node& node) {
  switch (node.kind) {
    case Node::Kind::null:
      return nullptr;
    case Node::Kind::boolean:
      return node.text.front() == 't' || node.text.front() == 'T';
    case Node::Kind::integer:
      return integer_value(node.text);
    case Node::Kind::real: {
      // NaN passes every range check; as text it fails where a number is wanted.
      json value = real_value(node.text);
      return std::isnan(value.get<double>()) ? json(node.text) : value;
    }
    case Node::Kind::string:
      return countable(node.text);
    case Node::Kind::sequence: {
      json out = json::array();
      for (const auto& item : node.items) out.push_back(schema_value(item));
      return out;
    }
    case Node::Kind::mapping: {
      json out = json::object();
      for (const auto& [key, value] : node.members) out[key.text] = schema_value(value);
      return out;
    }
  }
  return nullptr;
}

const std::string& schema_text() {
  static const std::string text = generated::schema_json;
  return text;
}

bool check_schema(const Node& root, const std::string& file, Diagnostics& diagnostics) {
  const CompiledSchema& schema = compiled();
  json document = schema_value(root);
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  valijson::Validator validator;
  valijson::ValidationResults results;
  if (validator.validate(schema.schema, adapter, &results)) return true;
  report_schema_errors(root, schema.document, results, file, diagnostics);
  return false;
}

}  // namespace summon::config
