// A JSON Schema of schemas/, compiled by valijson, for tests that check
// what summon writes against what it documents.
#pragma once

// valijson reports a broken schema by throwing, as src/config/schema.cc has it.
#define VALIJSON_USE_EXCEPTIONS 1

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace summon::testing {

struct Schema {
  nlohmann::json document;
  valijson::Schema compiled;

  /// schemas/FILE under $SUMMON_SOURCE_ROOT.
  explicit Schema(const std::string& file) {
    const char* root = std::getenv("SUMMON_SOURCE_ROOT");
    REQUIRE(root != nullptr);
    std::ifstream in(std::string(root) + "/schemas/" + file);
    REQUIRE(in);
    document = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, compiled);
  }

  /// Empty when `value` holds; else what valijson found.
  std::string problems(const nlohmann::json& value) const {
    valijson::adapters::NlohmannJsonAdapter adapter(value);
    valijson::Validator validator;
    valijson::ValidationResults results;
    if (validator.validate(compiled, adapter, &results)) return {};
    std::string out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
      for (const auto& part : error.context) out += part;
      out += ": " + error.description + "\n";
    }
    return out.empty() ? "invalid" : out;
  }
  bool holds(const nlohmann::json& value) const { return problems(value).empty(); }
};

}  // namespace summon::testing
