// Parsing the test service's record file.
#include "record.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace summon::testing {

Record Record::read(const std::string& path) {
  Record record;
  std::ifstream in(path);
  std::ostringstream whole;
  whole << in.rdbuf();
  record.text_ = whole.str();
  std::istringstream lines(record.text_);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    if (fields.size() < 3) throw std::runtime_error("bad record line: '" + line + "'");
    Event event{
        fields[0], fields[1], {fields.begin() + 2, fields.end() - 1}, std::stoll(fields.back())};
    record.events_.push_back(std::move(event));
  }
  return record;
}

const Event* Record::find(std::string_view service, std::string_view what) const {
  for (const auto& event : events_)
    if (event.service == service && event.what == what) return &event;
  return nullptr;
}

int Record::count(std::string_view service, std::string_view what) const {
  int n = 0;
  for (const auto& event : events_)
    if (event.service == service && event.what == what) ++n;
  return n;
}

bool Record::before(std::string_view service_a, std::string_view what_a, std::string_view service_b,
                    std::string_view what_b) const {
  const Event* a = find(service_a, what_a);
  const Event* b = find(service_b, what_b);
  return a && b && a->ns < b->ns;
}

}  // namespace summon::testing
